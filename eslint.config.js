import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import { LAYERS, layerZones } from './scripts/layers.mjs';

/**
 * The SIP stack's own layers (docs/ARCHITECTURE.md, the src/sip row), bottom to top: each imports
 * only from the ones below it. message/ may name a transport kind (transport/kinds.ts, a leaf
 * with no imports) for Via and Contact, nothing else of transport/.
 */
const SIP_LAYERS = [['sip/message'], ['sip/transport'], ['sip/transaction'], ['sip/dialog'], ['sip/ua']];
const sipZones = layerZones(SIP_LAYERS).flatMap((zone) => {
  if (zone.target !== './src/sip/message') return [zone];
  const transport = './src/sip/transport';
  return [
    { ...zone, from: zone.from.filter((f) => f !== transport) },
    { target: zone.target, from: transport, except: ['./kinds.ts'], message: zone.message },
  ];
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'reports/**', 'results/**', 'bench/node_modules/**', 'bench/out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'max-len': [
        'error',
        { code: 140, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true },
      ],
    },
  },
  // The layers of docs/ARCHITECTURE.md: src/ imports only downward (scripts/layers.mjs; inside sip/, SIP_LAYERS),
  // and no file is in an import cycle.
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensionAlias: { '.js': ['.ts', '.js'] } })],
      // no-cycle follows imports by parsing the imported files: it must know how to parse .ts.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones: [...layerZones(LAYERS), ...sipZones] }],
    },
  },
);
