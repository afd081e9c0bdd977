// Measure distance and area: geodesic (on the sphere) and in PT-TM06 (planar), side by side.
import Draw from 'ol/interaction/Draw.js';
import VectorLayer from 'ol/layer/Vector.js';
import Overlay from 'ol/Overlay.js';
import VectorSource from 'ol/source/Vector.js';
import {getArea, getLength} from 'ol/sphere.js';
import {Fill, Stroke, Style} from 'ol/style.js';
import {byId, el} from './dom.js';
import {formatNumber, gettext} from './i18n.js';
import {PTTM06} from './projections.js';

const style = new Style({
  fill: new Fill({color: 'rgba(11,93,122,0.15)'}),
  stroke: new Stroke({color: '#0b5d7a', width: 2, lineDash: [6, 4]}),
});

function lengthText(metres, lang) {
  return metres >= 1000 ? `${formatNumber(metres / 1000, 3, lang)} km`
    : `${formatNumber(metres, 1, lang)} m`;
}

function areaText(squareMetres, lang) {
  return squareMetres >= 10000 ? `${formatNumber(squareMetres / 10000, 3, lang)} ha`
    : `${formatNumber(squareMetres, 1, lang)} m²`;
}

// Both measures of a drawn geometry (in EPSG:3857), as one line of text.
export function measureText(geometry, lang) {
  const planar = geometry.clone().transform('EPSG:3857', PTTM06);
  if (geometry.getType() === 'Polygon') {
    return `${areaText(getArea(geometry), lang)} (${gettext('geodésica')}) · ` +
      `${areaText(planar.getArea(), lang)} (PT-TM06)`;
  }
  return `${lengthText(getLength(geometry), lang)} (${gettext('geodésica')}) · ` +
    `${lengthText(planar.getLength(), lang)} (PT-TM06)`;
}

export function setupMeasure(map, lang) {
  const source = new VectorSource();
  map.addLayer(new VectorLayer({source, style, zIndex: 50}));
  const tip = el('div', {className: 'measure-tip', id: 'measure-result'});
  const overlay = new Overlay({element: tip, offset: [0, -12], positioning: 'bottom-center'});
  map.addOverlay(overlay);
  let draw = null;
  const stop = () => {
    if (draw) map.removeInteraction(draw);
    draw = null;
    for (const id of ['measure-length', 'measure-area']) byId(id).setAttribute('aria-pressed', 'false');
  };
  const start = (type, button) => {
    const again = draw && button.getAttribute('aria-pressed') === 'true';
    stop();
    source.clear();
    overlay.setPosition(undefined);
    if (again) return;
    draw = new Draw({source, type, style});
    button.setAttribute('aria-pressed', 'true');
    draw.on('drawstart', (event) => {
      source.clear();
      event.feature.getGeometry().on('change', (e) => {
        const geometry = e.target;
        tip.textContent = measureText(geometry, lang);
        const at = geometry.getType() === 'Polygon' ? geometry.getInteriorPoint().getCoordinates()
          : geometry.getLastCoordinate();
        overlay.setPosition(at.slice(0, 2));
      });
    });
    map.addInteraction(draw);
  };
  byId('measure-length').addEventListener('click', (e) => start('LineString', e.currentTarget));
  byId('measure-area').addEventListener('click', (e) => start('Polygon', e.currentTarget));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') stop();
  });
  return () => draw !== null;
}
