// The web map's layer of the residents' occurrences (Linha Verde): the OGC API collection
// `ocorrencias` (public fields only), points coloured by state (the colours of the WMS/WMTS
// layer, from the page's configuration), loaded when first shown. Its
// switch is added under the layer tree by this module. Points are read by hand (no GeoJSON
// reader in the map's bundle).
import Feature from 'ol/Feature.js';
import Point from 'ol/geom/Point.js';
import VectorLayer from 'ol/layer/Vector.js';
import {fromLonLat} from 'ol/proj.js';
import VectorSource from 'ol/source/Vector.js';
import {Circle, Fill, Stroke, Style} from 'ol/style.js';
import {byId, el} from '../dom.js';
import {gettext} from '../i18n.js';

export const OCCURRENCES_URL = '/ogcapi/collections/ocorrencias/items?limit=1000&f=json';

function stateStyles(states) {
  const styles = {};
  for (const {code, colour} of states) {
    styles[code] = new Style({image: new Circle({radius: 6, fill: new Fill({color: colour}),
      stroke: new Stroke({color: '#fff', width: 1.5})})});
  }
  return (feature) => styles[feature.get('estado')];
}

async function load(source) {
  const response = await fetch(OCCURRENCES_URL, {headers: {Accept: 'application/geo+json'}});
  if (!response.ok) return;
  source.addFeatures((await response.json()).features.filter((f) => f.geometry).map((f) =>
    new Feature({geometry: new Point(fromLonLat(f.geometry.coordinates)), ...f.properties})));
}

export function setupOccurrencesLayer(map, states) {
  const source = new VectorSource();
  let loaded = false;
  const layer = new VectorLayer({source, style: stateStyles(states), zIndex: 55, visible: false});
  layer.set('id', 'ocorrencias');
  map.addLayer(layer);
  const input = el('input', {type: 'checkbox', id: 'layer-ocorrencias', 'data-layer': 'ocorrencias'});
  input.addEventListener('change', () => {
    layer.setVisible(input.checked);
    if (input.checked && !loaded) load(source).then(() => { loaded = true; });
  });
  byId('layer-tree').after(el('p', {className: 'extra-layer'},
    el('label', {}, [input, ` ${gettext('Ocorrências (Linha Verde)')}`])));
  return layer;
}
