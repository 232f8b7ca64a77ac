/**
 * The one font of the report: Noto Sans SC (OFL) from npm, embedded and
 * subsetted, used for Chinese and Latin alike so the PDF depends on no system
 * font. The @expo-google-fonts TTFs carry the full CJK set (checked in
 * test/report by looking up every character the report prints in the cmap).
 */
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

function fontFile(weight: string): string {
  const pkg = path.dirname(require.resolve('@expo-google-fonts/noto-sans-sc/package.json'));
  return path.join(pkg, weight, `NotoSansSC_${weight}.ttf`);
}

export const FONT_FAMILY = 'NotoSansSC';
export const FONT_REGULAR = fontFile('400Regular');
export const FONT_BOLD = fontFile('700Bold');
