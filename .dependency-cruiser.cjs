/**
 * Layering of src (see .dependency-cruiser-layers.json and README "Layers"): one rule per folder forbids an
 * import of any folder in its own or a higher layer, except the pairs listed in allowedBackUpImports; plus no
 * import cycle between files, and no folder missing from the layer list. Run by `npm run lint`.
 */
const { layers, allowedBackUpImports } = require('./.dependency-cruiser-layers.json');

const pathOf = (folder) => (folder === 'src' ? '^src/[^/]+\\.ts$' : `^src/${folder}/`);
const anyOf = (folders) => `(${folders.map(pathOf).join('|')})`;
const listed = layers.flatMap((l) => l.folders);

const layerRules = layers.flatMap((layer, index) =>
  layer.folders.flatMap((folder) => {
    const allowed = new Set(allowedBackUpImports.filter(([from]) => from === folder).map(([, to]) => to));
    const notBelow = layers
      .slice(0, index + 1)
      .flatMap((l) => l.folders)
      .filter((f) => f !== folder && !allowed.has(f));
    if (notBelow.length === 0) return [];
    return [
      {
        name: `layers-${folder}`,
        comment: `src/${folder} (layer "${layer.name}") imports only lower layers: this import goes sideways or back up`,
        severity: 'error',
        from: { path: pathOf(folder) },
        to: { path: anyOf(notBelow) },
      },
    ];
  }),
);

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'layers-unlisted-folder',
      comment: 'every folder of src has a layer in .dependency-cruiser-layers.json',
      severity: 'error',
      from: { path: '^src/', pathNot: anyOf(listed) },
      to: {},
    },
    {
      name: 'layers-unlisted-folder-imported',
      comment: 'every folder of src has a layer in .dependency-cruiser-layers.json',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/', pathNot: anyOf(listed) },
    },
    {
      name: 'no-circular',
      comment: 'no import cycle between files',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$' },
    includeOnly: '^src/',
  },
};
