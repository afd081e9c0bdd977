// The editor's styles: the person's features in blue (editable), the neighbours' in grey
// (read-only), the selection in orange, unsaved changes dashed; boundaries and history maps.
import {Circle, Fill, Stroke, Style, Text} from 'ol/style.js';
import {app, editable, state} from './app.js';

function colours(feature, selected) {
  if (selected) return {stroke: '#e66100', fill: 'rgba(230,97,0,0.35)'};
  if (editable(feature)) return {stroke: '#1d4f91', fill: 'rgba(29,79,145,0.30)'};
  return {stroke: '#8c8c8c', fill: 'rgba(140,140,140,0.20)'};
}

export function featureStyle(feature) {
  const selected = app.select && app.select.getFeatures().getArray().includes(feature);
  const c = colours(feature, selected);
  const dirty = state.current && state.current.feature === feature && state.hasChanges;
  const stroke = new Stroke({color: c.stroke, width: selected ? 3 : 2,
    lineDash: dirty ? [6, 4] : undefined});
  const fill = new Fill({color: c.fill});
  return new Style({
    stroke, fill, zIndex: editable(feature) ? 2 : 1,
    image: new Circle({radius: selected ? 8 : 6, fill: new Fill({color: c.stroke}),
      stroke: new Stroke({color: '#ffffff', width: 1.5})}),
  });
}

export function boundaryStyle(feature) {
  const own = app.mine.has(feature.get('dico'));
  return new Style({
    stroke: new Stroke({color: own ? '#1d4f91' : '#777777', width: own ? 2.5 : 1.2}),
    fill: new Fill({color: feature.get('dico') === state.municipio
      ? 'rgba(29,79,145,0.04)' : 'rgba(0,0,0,0)'}),
    text: new Text({text: feature.get('nome'), font: '12px sans-serif',
      fill: new Fill({color: '#555'}), overflow: true}),
  });
}

// A feature's geometry before (red, dashed) and after (blue) a change.
export function historyStyle(feature) {
  const before = feature.get('quando') === 'antes';
  const colour = before ? '#c01c28' : '#1c71d8';
  return new Style({
    stroke: new Stroke({color: colour, width: 2, lineDash: before ? [5, 4] : undefined}),
    fill: new Fill({color: before ? 'rgba(192,28,40,0.15)' : 'rgba(28,113,216,0.15)'}),
    image: new Circle({radius: 6, fill: new Fill({color: colour})}),
  });
}
