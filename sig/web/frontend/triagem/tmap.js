// The triage map: the queue's occurrences (colour by state, the chosen one larger) over the
// maps service's rendered basemap, and the feature linked to the chosen occurrence.
import Feature from 'ol/Feature.js';
import OlMap from 'ol/Map.js';
import View from 'ol/View.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import Point from 'ol/geom/Point.js';
import TileLayer from 'ol/layer/Tile.js';
import VectorLayer from 'ol/layer/Vector.js';
import {fromLonLat} from 'ol/proj.js';
import VectorSource from 'ol/source/Vector.js';
import XYZ from 'ol/source/XYZ.js';
import {Circle, Fill, Stroke, Style} from 'ol/style.js';

const COLOURS = {nova: '#d7301f', em_analise: '#fc8d59', em_resolucao: '#2b8cbe',
  resolvida: '#1a9850', rejeitada: '#777777', duplicada: '#999999'};
const linkedStyle = new Style({
  stroke: new Stroke({color: '#6a3d9a', width: 4}),
  image: new Circle({radius: 8, fill: new Fill({color: 'rgba(106,61,154,0.35)'}),
    stroke: new Stroke({color: '#6a3d9a', width: 2})})});

function pointStyle(feature, chosen) {
  const on = feature.get('codigo') === chosen();
  return new Style({zIndex: on ? 2 : 1, image: new Circle({radius: on ? 10 : 6,
    fill: new Fill({color: COLOURS[feature.get('estado')] || '#333'}),
    stroke: new Stroke({color: on ? '#000' : '#fff', width: on ? 3 : 1.5})})});
}

export function createTriageMap(config, onPick) {
  let chosen = null;
  const points = new VectorSource();
  const linked = new VectorSource();
  const layer = new VectorLayer({source: points, style: (f) => pointStyle(f, () => chosen)});
  const map = new OlMap({target: 'mapa-triagem', view: new View({center: fromLonLat([-8.8, 39.75]), zoom: 10}),
    layers: [new TileLayer({source: new XYZ({url: config.basemap, transition: 0})}),
      new VectorLayer({source: linked, style: linkedStyle}), layer]});
  map.on('singleclick', (event) => {
    const hit = map.forEachFeatureAtPixel(event.pixel, (f) => f, {layerFilter: (l) => l === layer});
    if (hit) onPick(hit.get('codigo'));
  });
  return {
    map,
    show(items) {
      points.clear();
      points.addFeatures(items.map((o) => new Feature({geometry: new Point(fromLonLat([o.lon, o.lat])),
        codigo: o.codigo, estado: o.estado})));
      if (items.length) map.getView().fit(points.getExtent(), {padding: [30, 30, 30, 30], maxZoom: 16});
    },
    choose(item) {
      chosen = item ? item.codigo : null;
      layer.changed();
      if (item) map.getView().animate({center: fromLonLat([item.lon, item.lat]), zoom: 17, duration: 300});
    },
    async link(url) {
      linked.clear();
      if (!url) return;
      const response = await fetch(url, {headers: {Accept: 'application/geo+json'}});
      if (!response.ok) return;
      linked.addFeature(new GeoJSON().readFeature(await response.json(), {featureProjection: 'EPSG:3857'}));
    },
  };
}
