// Coordinates under the cursor in PT-TM06 (EPSG:3763) and WGS 84.
import {toLonLat, transform} from 'ol/proj.js';
import {byId} from './dom.js';
import {formatNumber} from './i18n.js';
import {PTTM06} from './projections.js';

export function coordinateText(coordinate, lang) {
  const [x, y] = transform(coordinate, 'EPSG:3857', PTTM06);
  const [lon, lat] = toLonLat(coordinate);
  const ns = lat >= 0 ? 'N' : 'S';
  const ew = lon >= 0 ? 'E' : (lang === 'pt' ? 'O' : 'W');
  const [mx, py] = lang === 'pt' ? ['M', 'P'] : ['X', 'Y'];
  return `PT-TM06: ${mx} ${formatNumber(x, 2, lang)} ${py} ${formatNumber(y, 2, lang)} · ` +
    `WGS84: ${formatNumber(Math.abs(lat), 6, lang)}° ${ns} ${formatNumber(Math.abs(lon), 6, lang)}° ${ew}`;
}

export function setupCoordinates(map, lang) {
  const target = byId('coords');
  map.on('pointermove', (event) => {
    if (event.dragging) return;
    target.textContent = coordinateText(event.coordinate, lang);
  });
}
