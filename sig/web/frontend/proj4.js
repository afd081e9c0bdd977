// proj4js with what PT-TM06 needs: its core, definitions and the Transverse Mercator (proj4's
// `etmerc`, the Poder/Engsager series PROJ itself uses for +proj=tmerc). proj4's default entry
// also registers some thirty other projections (~65 KB minified) that neither page uses.
import core from 'proj4/lib/core.js';
import defs from 'proj4/lib/defs.js';
import Proj from 'proj4/lib/Proj.js';
import etmerc from 'proj4/lib/projections/etmerc.js';

Proj.projections.add(etmerc);

// proj4 starts with ~130 definitions (the UTM zones among them) and OpenLayers' register()
// pairs every two of them: keep WGS 84 and Web Mercator; the pages add PT-TM06.
const KEEP = new Set(['WGS84', 'EPSG:4326', 'EPSG:3857']);
Object.keys(defs).filter((code) => !KEEP.has(code)).forEach((code) => defs(code, null));

const proj4 = Object.assign(core, {defs, Proj});
export default proj4;
