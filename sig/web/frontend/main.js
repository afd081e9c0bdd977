// The planners' web map: all ten municipalities in one seamless view.
import 'ol/ol.css';
import './map.css';
import Feature from 'ol/Feature.js';
import OlMap from 'ol/Map.js';
import View from 'ol/View.js';
import {defaults as defaultControls, ScaleLine} from 'ol/control.js';
import Point from 'ol/geom/Point.js';
import VectorLayer from 'ol/layer/Vector.js';
import {transformExtent} from 'ol/proj.js';
import VectorSource from 'ol/source/Vector.js';
import {Circle, Fill, Stroke, Style} from 'ol/style.js';
import {setupCoordinates} from './coords.js';
import {byId} from './dom.js';
import {setupExport} from './exportpng.js';
import {gettext, setCatalog} from './i18n.js';
import {setupIdentify} from './identify.js';
import {
  neutralBasemap, rasterBasemaps, selectionLayer, sharedSource, showCollections, TERRITORY,
  themeLayers,
} from './layers.js';
import {setupMeasure} from './measure.js';
import {setupOccurrencesLayer} from './ocorrencias/maplayer.js';
import {readPermalink, writePermalink} from './permalink.js';
import {registerPTTM06} from './projections.js';
import {setupSearch} from './search.js';
import {setupSelector} from './selector.js';
import {buildTree, markZoomRange} from './tree.js';

const config = JSON.parse(byId('sig-config').textContent);
setCatalog(config.catalog);
registerPTTM06(config.pttm06);
const saved = readPermalink(location.hash);
const state = {
  visible: new Set(saved.layers ?? config.defaultLayers),
  opacity: saved.opacity ?? new Map(),
  basemap: saved.basemap ?? 'neutro',
  mode: saved.mode === 'raster' ? 'raster' : 'vector',
  filter: {municipio: saved.municipio ?? null, freguesia: saved.freguesia ?? null},
};

const view = new View({center: [0, 0], zoom: 2, maxZoom: 20, constrainResolution: false});
const zoomFor = (resolution) => view.getZoomForResolution(resolution);
const tiles = sharedSource(config);
const entries = themeLayers(config, tiles, state.filter, zoomFor);
const neutral = neutralBasemap(tiles);
const rasters = rasterBasemaps(config);
const selection = selectionLayer(tiles, state.filter);
const marker = new VectorSource();
const themes = [...entries.values()].flatMap((e) => [e.vector, e.raster]);

const map = new OlMap({
  target: 'map',
  view,
  layers: [neutral, ...rasters, ...themes, selection,
    new VectorLayer({source: marker, zIndex: 60, style: new Style({image: new Circle({
      radius: 9, fill: new Fill({color: 'rgba(227,26,28,0.25)'}),
      stroke: new Stroke({color: '#e31a1c', width: 3})})})})],
  controls: defaultControls().extend([new ScaleLine({units: 'metric'})]),
});

// The collections the shared vector tiles must carry now.
function wantedCollections() {
  const themes = state.mode === 'vector' ? [...state.visible] : [];
  const territory = state.basemap === 'neutro' || state.filter.municipio ? TERRITORY : [];
  return [...themes, ...territory];
}

function apply() {
  showCollections(tiles, config, wantedCollections());
  for (const {def, vector, raster} of entries.values()) {
    const on = state.visible.has(def.id);
    vector.setVisible(on && state.mode === 'vector');
    raster.setVisible(on && state.mode === 'raster');
    const opacity = state.opacity.get(def.id) ?? 1;
    vector.setOpacity(opacity);
    raster.setOpacity(opacity);
    vector.changed();  // the municipality filter is part of the style
  }
  neutral.setVisible(state.basemap === 'neutro');
  for (const layer of rasters) layer.setVisible(layer.get('basemap') === state.basemap);
  selection.setVisible(Boolean(state.filter.municipio));
  selection.changed();
  writePermalink(view, state);
}

function radios(name, current, onPick) {
  for (const input of document.querySelectorAll(`input[name="${name}"]`)) {
    input.checked = input.value === current;
    input.addEventListener('change', () => onPick(input.value));
  }
}

function visibleLayers() {
  const zoom = view.getZoom();
  return [...entries.values()].filter(({def}) => state.visible.has(def.id) &&
    zoom >= def.minZoom - 0.5).map(({def}) => def.id);
}

function showMarker(centre) {
  marker.clear();
  marker.addFeature(new Feature(new Point(centre)));
}

buildTree(byId('layer-tree'), entries, state, config.lang, apply);
radios('basemap', state.basemap, (value) => { state.basemap = value; apply(); });
radios('mode', state.mode, (value) => { state.mode = value; apply(); });
setupSelector(map, config, state.filter, apply);
const measuring = setupMeasure(map, config.lang);
setupIdentify(map, config, visibleLayers, measuring);
setupSearch(map, config, showMarker);
setupCoordinates(map, config.lang);
setupExport(map, byId('export-png'));
setupOccurrencesLayer(map, config.occurrenceStates);

function startExtent() {
  const place = config.freguesias.find((f) => f.dicofre === state.filter.freguesia)
    || config.municipios.find((m) => m.dico === state.filter.municipio);
  return place ? place.bbox : config.home;
}

if (saved.center && saved.zoom !== undefined) {
  view.setCenter(saved.center);
  view.setZoom(saved.zoom);
} else {
  view.fit(transformExtent(startExtent(), 'EPSG:4326', 'EPSG:3857'),
    {size: map.getSize(), padding: [20, 20, 20, 20]});
}
apply();

view.on('change:resolution', () => markZoomRange(byId('layer-tree'), entries, view.getZoom()));
map.on('moveend', () => {
  markZoomRange(byId('layer-tree'), entries, view.getZoom());
  writePermalink(view, state);
});
let renders = 0;
map.on('rendercomplete', () => {
  renders += 1;
  if (renders === 1) performance.mark('sig-first-render');
  byId('map').dataset.renders = String(renders);
});
byId('permalink').addEventListener('click', async () => {
  const url = writePermalink(view, state);
  const status = byId('status');
  try {
    await navigator.clipboard.writeText(url);
    status.textContent = gettext('Ligação copiada.');
  } catch {
    status.textContent = url;
  }
});
byId('panel-toggle').addEventListener('click', (event) => {
  const open = document.body.classList.toggle('panel-open');
  event.currentTarget.setAttribute('aria-expanded', String(open));
});
byId('qgis-open').addEventListener('click', () => byId('qgis-dialog').showModal());
byId('qgis-close').addEventListener('click', () => byId('qgis-dialog').close());

window.sig = {map, state, entries};
