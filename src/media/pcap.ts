/**
 * Classic libpcap capture files as a media server's recording (rtpengine's
 * `--recording-method=pcap` spool): the UDP datagrams of the file, and the RTP streams in them with
 * their G.711 audio, so a pcap is checked like a WAV recording.
 *
 * Read: both byte orders, µs and ns timestamps (magic a1b2c3d4 / a1b23c4d); link types raw IP
 * (101, and 12/14 as some systems number it; 228 IPv4, 229 IPv6), Ethernet (1, 802.1Q tags
 * skipped), BSD loopback (0), Linux cooked SLL (113) and SLL2 (276); IPv4 (first fragments
 * only) and IPv6 (no extension headers). Anything else in a record is skipped, not an error: a
 * recording holds media, and other frames are noise around it. pcapng is not read.
 * Never throws: a malformed file is an error value with the byte where it went wrong.
 */
import { decodeRtp, RtpStatus, RtpView } from './rtp/packet.js';
import type { G711Law } from './g711.js';

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;
const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;

/** A classic pcap file starts with its magic in either byte order. */
export function isPcap(buf: Uint8Array): boolean {
  if (buf.length < 4) return false;
  const be = ((buf[0] << 24) | (buf[1] << 16) | (buf[2] << 8) | buf[3]) >>> 0;
  const le = ((buf[3] << 24) | (buf[2] << 16) | (buf[1] << 8) | buf[0]) >>> 0;
  return be === MAGIC_US || be === MAGIC_NS || le === MAGIC_US || le === MAGIC_NS;
}

/** One UDP datagram of a capture. */
export interface PcapUdp {
  /** Capture time, µs since the epoch. */
  timeUs: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  /** The UDP payload (a view into the file's buffer). */
  payload: Buffer;
}

export interface PcapFile {
  linkType: number;
  datagrams: PcapUdp[];
}

/** The UDP datagrams of a classic pcap file, in file order. */
export function readPcap(file: Buffer): PcapFile | { error: string } {
  if (file.length < GLOBAL_HEADER) return { error: `pcap: ${file.length} bytes, shorter than its ${GLOBAL_HEADER}-byte global header` };
  const le = file.readUInt32LE(0) === MAGIC_US || file.readUInt32LE(0) === MAGIC_NS;
  const magic = le ? file.readUInt32LE(0) : file.readUInt32BE(0);
  if (magic !== MAGIC_US && magic !== MAGIC_NS) return { error: `pcap: magic 0x${file.readUInt32BE(0).toString(16)}, expected a1b2c3d4 or a1b23c4d (classic libpcap; pcapng is not read)` };
  const u32 = (at: number) => (le ? file.readUInt32LE(at) : file.readUInt32BE(at));
  const nanos = magic === MAGIC_NS;
  // The upper 16 bits of the link-type field may carry FCS flags (pcap-savefile(5)).
  const linkType = u32(20) & 0xffff;
  if (!LINK_TYPES.has(linkType)) return { error: `pcap: link type ${linkType}, expected one of ${[...LINK_TYPES].join(', ')} (raw IP, Ethernet, loopback, Linux cooked)` };
  const datagrams: PcapUdp[] = [];
  let at = GLOBAL_HEADER;
  while (at + RECORD_HEADER <= file.length) {
    const incl = u32(at + 8);
    if (at + RECORD_HEADER + incl > file.length) return { error: `pcap: record at byte ${at} (${incl} bytes) runs past the end of the file` };
    const timeUs = u32(at) * 1e6 + (nanos ? Math.floor(u32(at + 4) / 1000) : u32(at + 4));
    const rec = file.subarray(at + RECORD_HEADER, at + RECORD_HEADER + incl);
    at += RECORD_HEADER + incl;
    const ip = networkLayer(rec, linkType, le);
    if (ip !== null) {
      const d = udpOf(ip, timeUs);
      if (d !== null) datagrams.push(d);
    }
  }
  if (at !== file.length) return { error: `pcap: ${file.length - at} bytes after the last whole record` };
  return { linkType, datagrams };
}

const LINK_TYPES = new Set([0, 1, 12, 14, 101, 113, 228, 229, 276]);
const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;

/** The IP packet a link-layer frame carries, or null (another protocol, too short). */
function networkLayer(rec: Buffer, linkType: number, fileLe: boolean): Buffer | null {
  switch (linkType) {
    case 12: case 14: case 101: case 228: case 229:
      return rec;
    case 0: {
      // BSD loopback: the address family in the writer's byte order; IPv4 is 2 everywhere.
      if (rec.length < 4) return null;
      const fam = fileLe ? rec.readUInt32LE(0) : rec.readUInt32BE(0);
      return fam === 2 || fam === 24 || fam === 28 || fam === 30 ? rec.subarray(4) : null;
    }
    case 1: {
      let off = 12;
      if (rec.length < off + 2) return null;
      let type = rec.readUInt16BE(off);
      while ((type === 0x8100 || type === 0x88a8) && rec.length >= off + 6) {
        off += 4;
        type = rec.readUInt16BE(off);
      }
      return type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6 ? rec.subarray(off + 2) : null;
    }
    case 113: {
      if (rec.length < 16) return null;
      const type = rec.readUInt16BE(14);
      return type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6 ? rec.subarray(16) : null;
    }
    case 276: {
      if (rec.length < 20) return null;
      const type = rec.readUInt16BE(0);
      return type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6 ? rec.subarray(20) : null;
    }
    default:
      return null;
  }
}

function udpOf(ip: Buffer, timeUs: number): PcapUdp | null {
  if (ip.length < 1) return null;
  const version = ip[0] >> 4;
  let src: string;
  let dst: string;
  let udp: Buffer;
  if (version === 4) {
    const ihl = (ip[0] & 0x0f) * 4;
    if (ihl < 20 || ip.length < ihl + 8 || ip[9] !== 17) return null;
    if ((ip.readUInt16BE(6) & 0x1fff) !== 0) return null; // a later fragment: no UDP header
    const total = Math.min(ip.readUInt16BE(2), ip.length);
    src = `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`;
    dst = `${ip[16]}.${ip[17]}.${ip[18]}.${ip[19]}`;
    udp = ip.subarray(ihl, total);
  } else if (version === 6) {
    if (ip.length < 48 || ip[6] !== 17) return null;
    src = ipv6Text(ip, 8);
    dst = ipv6Text(ip, 24);
    udp = ip.subarray(40, 40 + Math.min(ip.readUInt16BE(4), ip.length - 40));
  } else {
    return null;
  }
  if (udp.length < 8) return null;
  const len = Math.min(udp.readUInt16BE(4), udp.length);
  if (len < 8) return null;
  return { timeUs, src, srcPort: udp.readUInt16BE(0), dst, dstPort: udp.readUInt16BE(2), payload: udp.subarray(8, len) };
}

function ipv6Text(b: Buffer, at: number): string {
  const groups: string[] = [];
  for (let k = 0; k < 8; k++) groups.push(b.readUInt16BE(at + 2 * k).toString(16));
  return `[${groups.join(':')}]`;
}

// ---- RTP streams -------------------------------------------------------------------------------

/** One RTP stream of a capture: one SSRC on one UDP 5-tuple (a direction of a call's leg). */
export interface PcapRtpStream {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  ssrc: number;
  /** RTP packets of the stream (every payload type). */
  packets: number;
  /** G.711 packets (payload type 0 PCMU, 8 PCMA) and their payload bytes, concatenated in capture order. */
  audioPackets: number;
  law: G711Law | null;
  audio: Buffer;
  /** Capture time of the first and last G.711 packet, µs; the last packet's duration, ms. */
  firstUs: number;
  lastUs: number;
  lastFrameMs: number;
}

/**
 * The RTP streams of a capture's datagrams, in order of first appearance. RTCP (payload types
 * 72–76 in the RTP position, RFC 5761) and anything that is not RTP version 2 is left out. Only the
 * static G.711 payload types are audio: a dynamic one would need the call's SDP.
 */
export function rtpStreams(datagrams: readonly PcapUdp[]): PcapRtpStream[] {
  const byKey = new Map<string, { s: PcapRtpStream; parts: Buffer[] }>();
  const view = new RtpView();
  for (const d of datagrams) {
    const p = d.payload;
    if (decodeRtp(p, 0, p.length, view) !== RtpStatus.OK) continue;
    const key = `${d.src}:${d.srcPort}>${d.dst}:${d.dstPort}#${view.ssrc}`;
    let e = byKey.get(key);
    if (e === undefined) {
      e = {
        s: {
          src: d.src, srcPort: d.srcPort, dst: d.dst, dstPort: d.dstPort, ssrc: view.ssrc,
          packets: 0, audioPackets: 0, law: null, audio: Buffer.alloc(0), firstUs: 0, lastUs: 0, lastFrameMs: 0,
        },
        parts: [],
      };
      byKey.set(key, e);
    }
    e.s.packets++;
    const law: G711Law | null = view.payloadType === 0 ? 'pcmu' : view.payloadType === 8 ? 'pcma' : null;
    if (law === null || (e.s.law !== null && e.s.law !== law)) continue;
    if (e.s.audioPackets === 0) e.s.firstUs = d.timeUs;
    e.s.law = law;
    e.s.audioPackets++;
    e.s.lastUs = d.timeUs;
    e.s.lastFrameMs = view.payloadBytes / 8;
    e.parts.push(p.subarray(view.payloadOffset, view.payloadOffset + view.payloadBytes));
  }
  const out: PcapRtpStream[] = [];
  for (const { s, parts } of byKey.values()) {
    s.audio = Buffer.concat(parts);
    out.push(s);
  }
  return out;
}
