// Legend swatches drawn with the same styles as the map.
import LineString from 'ol/geom/LineString.js';
import Point from 'ol/geom/Point.js';
import Polygon from 'ol/geom/Polygon.js';
import {toContext} from 'ol/render.js';
import {el} from './dom.js';
import {geometryFamily, symbolStyle} from './styles.js';

const SIZE = 18;

function swatchGeometry(family) {
  if (family === 'point') return new Point([SIZE / 2, SIZE / 2]);
  if (family === 'line') return new LineString([[2, SIZE - 4], [SIZE / 2, 5], [SIZE - 2, SIZE - 6]]);
  return new Polygon([[[2, 2], [SIZE - 2, 2], [SIZE - 2, SIZE - 2], [2, SIZE - 2], [2, 2]]]);
}

export function swatch(symbol, geometry) {
  const canvas = el('canvas', {width: SIZE, height: SIZE, className: 'swatch', 'aria-hidden': 'true'});
  const family = geometryFamily(geometry);
  const context = toContext(canvas.getContext('2d'), {size: [SIZE, SIZE], pixelRatio: 1});
  context.setStyle(symbolStyle(symbol, family));
  context.drawGeometry(swatchGeometry(family));
  return canvas;
}

// Entries of a layer's legend: one per class, or the default symbol alone.
export function legendList(def, lang) {
  const list = el('ul', {className: 'legend'});
  const entries = def.legend.length ? def.legend : [{code: null, label: def.title}];
  for (const entry of entries) {
    const symbol = (entry.code !== null && def.style.classes[entry.code]) || def.style.default;
    const text = entry.label[lang] || entry.label.pt;
    list.append(el('li', {'data-code': entry.code ?? ''}, [swatch(symbol, def.geometry), el('span', {text})]));
  }
  return list;
}
