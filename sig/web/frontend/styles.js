// OpenLayers styles from the registry's symbols (layers.json), shared by map and legend.
import {Circle, Fill, RegularShape, Stroke, Style, Text} from 'ol/style.js';

function rgba(hex, opacity = 1) {
  if (!hex) return undefined;
  const value = hex.replace('#', '');
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(value.slice(i, i + 2), 16));
  const alpha = value.length === 8 ? parseInt(value.slice(6, 8), 16) / 255 : 1;
  return `rgba(${r},${g},${b},${(alpha * opacity).toFixed(3)})`;
}

function stroke(symbol, opacity) {
  if (!symbol.stroke) return undefined;
  return new Stroke({
    color: rgba(symbol.stroke, opacity),
    width: symbol.stroke_width ?? 1,
    lineDash: symbol.dash || undefined,
  });
}

function marker(symbol) {
  const fill = symbol.fill ? new Fill({color: rgba(symbol.fill, symbol.opacity)}) : undefined;
  const edge = stroke(symbol, symbol.opacity);
  const radius = (symbol.size ?? 8) / 2;
  const shapes = {
    square: {points: 4, radius: radius * Math.SQRT2, angle: Math.PI / 4},
    triangle: {points: 3, radius: radius * 1.15},
    star: {points: 5, radius: radius * 1.2, radius2: radius * 0.5},
    cross: {points: 4, radius: radius * 1.2, radius2: radius * 0.4, angle: 0},
  };
  if (!shapes[symbol.marker]) return new Circle({radius, fill, stroke: edge});
  return new RegularShape({...shapes[symbol.marker], fill, stroke: edge});
}

// One Style for a symbol and a geometry family (point, line, polygon).
export function symbolStyle(symbol, family) {
  if (family === 'point') return new Style({image: marker(symbol)});
  if (family === 'line') return new Style({stroke: stroke(symbol, symbol.opacity)});
  return new Style({
    fill: symbol.fill ? new Fill({color: rgba(symbol.fill, symbol.opacity)}) : undefined,
    stroke: stroke(symbol, 1),
  });
}

export function geometryFamily(geometry) {
  const base = geometry.replace('Multi', '');
  return {Point: 'point', LineString: 'line', Polygon: 'polygon'}[base] || 'polygon';
}

// A style function for a layer: class by attribute, optional label, municipality filter.
export function layerStyle(def, filter, zoomFor) {
  const family = geometryFamily(def.geometry);
  const cache = new Map();
  const spec = def.style;
  const label = spec.label;
  const styleOf = (code) => {
    if (!cache.has(code)) {
      const symbol = (code !== null && spec.classes[code]) || spec.default;
      cache.set(code, symbolStyle(symbol, family));
    }
    return cache.get(code);
  };
  return (feature, resolution) => {
    const municipio = feature.get('municipio');
    if (filter.municipio && municipio && municipio !== filter.municipio) return null;
    const code = spec.classify_by ? String(feature.get(spec.classify_by) ?? '') : null;
    const base = styleOf(code);
    if (!label || zoomFor(resolution) < label.min_zoom) return base;
    const text = feature.get(label.attribute);
    if (text === undefined || text === null || text === '') return base;
    return [base, labelStyle(label, String(text), family)];
  };
}

function labelStyle(label, text, family) {
  return new Style({
    text: new Text({
      text,
      font: `${label.size ?? 10}px "DejaVu Sans", sans-serif`,
      fill: new Fill({color: label.colour || '#222222'}),
      stroke: new Stroke({color: 'rgba(255,255,255,0.9)', width: 3}),
      offsetY: family === 'point' ? -10 : 0,
      placement: family === 'line' ? 'line' : 'point',
      overflow: family === 'polygon' ? false : true,
    }),
  });
}
