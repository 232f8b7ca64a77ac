/**
 * The layers of src/, bottom to top (docs/ARCHITECTURE.md explains each). A module imports only
 * from its own layer entry or from entries below it; entries that share a tier (an inner array)
 * do not import each other. `npm run lint` enforces this through import-x/no-restricted-paths.
 */
export const LAYERS = [
  ['errors.ts', 'version.ts'],
  ['util'],
  ['metrics'],
  ['load'],
  ['sip', 'http', 'media', 'platform'],
  ['scenario'],
  ['verdict'],
  ['results'],
  ['simulator', 'probe'],
  ['engine'],
  ['outputs'],
  ['compare'],
  ['report'],
  ['cli'],
];

const path = (entry) => `./src/${entry}`;

/** For each entry: every entry above it, and its tier siblings, are forbidden sources. */
export function layerZones(layers) {
  const zones = [];
  layers.forEach((tier, i) => {
    const above = layers.slice(i + 1).flat();
    for (const entry of tier) {
      const from = [...above, ...tier.filter((e) => e !== entry)];
      if (from.length === 0) continue;
      zones.push({
        target: path(entry),
        from: from.map(path),
        message: `src/${entry} sits below ${from.join(', ')} in docs/ARCHITECTURE.md's layers: import only downward.`,
      });
    }
  });
  return zones;
}
