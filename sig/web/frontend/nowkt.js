// Stands in for proj4's WKT parser (npm wkt-parser, ~16 KB) in the bundles (esbuild --alias):
// the pages give proj4 PROJ strings only (sig/tilegrid.py), never WKT or PROJJSON.
export default function wkt() {
  throw new Error('WKT and PROJJSON definitions are not supported here; use a PROJ string');
}
