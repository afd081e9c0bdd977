// PT-TM06/ETRS89 (EPSG:3763) registered with OpenLayers, to and from WGS 84 and Web Mercator.
import {addCoordinateTransforms, addProjection, fromLonLat, get, Projection, toLonLat} from 'ol/proj.js';
import {transverseMercator} from './tmerc.js';

export const PTTM06 = 'EPSG:3763';
const tm = transverseMercator(-8.133108333333334, 39.66825833333333);

addProjection(new Projection({code: PTTM06, units: 'm',
  extent: [-119191.41, -300404.8, 162129.68, 276083.82]}));
addCoordinateTransforms(get('EPSG:4326'), get(PTTM06), tm.forward, tm.inverse);
addCoordinateTransforms(get('EPSG:3857'), get(PTTM06),
  (c) => tm.forward(toLonLat(c)), (c) => fromLonLat(tm.inverse(c)));
