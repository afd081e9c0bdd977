// PT-TM06/ETRS89 (EPSG:3763) registered with OpenLayers through proj4js, from what the server
// sends in the page (sig/tilegrid.py): PROJ's definition of the CRS and the PT-TM06 tile grid.
// ETRS89 and WGS 84 are taken as equal, as PROJ does for EPSG:3763 <-> 4326.
import {get} from 'ol/proj.js';
import {register} from 'ol/proj/proj4.js';
import proj4 from './proj4.js';

export const PTTM06 = 'EPSG:3763';

// `crs`: {code, proj4, extent, origin, resolutions, tileSize}; returns the OpenLayers projection.
export function registerPTTM06(crs) {
  proj4.defs(crs.code, crs.proj4);
  register(proj4);
  const projection = get(crs.code);
  projection.setExtent(crs.extent);
  return projection;
}
