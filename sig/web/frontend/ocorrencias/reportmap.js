// The report page's map: the service's rendered basemap (WMTS, as the web map's raster
// basemaps), one marker for the place. A tap or click marks the place; with the keyboard the
// arrows move the map and Enter marks its centre; the device's location can be used; typed
// coordinates move the marker.
import Feature from 'ol/Feature.js';
import OlMap from 'ol/Map.js';
import View from 'ol/View.js';
import {defaults as defaultControls, ScaleLine} from 'ol/control.js';
import Point from 'ol/geom/Point.js';
import VectorLayer from 'ol/layer/Vector.js';
import {fromLonLat, toLonLat, transformExtent} from 'ol/proj.js';
import VectorSource from 'ol/source/Vector.js';
import {Circle, Fill, Stroke, Style} from 'ol/style.js';
import {byId} from '../dom.js';
import {formatNumber, gettext} from '../i18n.js';
import {rasterBasemaps} from '../layers.js';

const DECIMALS = 6;
const PLACE_ZOOM = 18;
const markerStyle = new Style({image: new Circle({
  radius: 10, fill: new Fill({color: 'rgba(0,122,61,0.3)'}),
  stroke: new Stroke({color: '#007a3d', width: 3})})});

function createMap(config, marker) {
  const basemaps = rasterBasemaps(config);
  if (basemaps.length) basemaps[0].setVisible(true);
  return new OlMap({
    target: 'report-map',
    view: new View({center: [0, 0], zoom: 2, maxZoom: 20}),
    layers: [...basemaps, new VectorLayer({source: marker, style: markerStyle, zIndex: 50})],
    controls: defaultControls({rotate: false}).extend([new ScaleLine({units: 'metric'})]),
  });
}

function describe(lonlat, lang) {
  const [lon, lat] = lonlat.map((v) => formatNumber(v, 5, lang));
  return `${gettext('Local marcado')}: ${lat}, ${lon}`;
}

function locate(onFound) {
  const status = byId('place-status');
  if (!navigator.geolocation) {
    status.textContent = gettext('Este dispositivo não indica a sua localização.');
    return;
  }
  status.textContent = gettext('A obter a sua localização…');
  navigator.geolocation.getCurrentPosition(
    (position) => onFound([position.coords.longitude, position.coords.latitude], true),
    () => { status.textContent = gettext('Não foi possível obter a sua localização.'); },
    {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
}

function typedPoint() {
  const lat = Number(byId('lat').value.replace(',', '.'));
  const lon = Number(byId('lon').value.replace(',', '.'));
  const given = byId('lat').value.trim() && byId('lon').value.trim();
  return given && Number.isFinite(lat) && Number.isFinite(lon) ? [lon, lat] : null;
}

export function setupReportMap(config) {
  const marker = new VectorSource();
  const map = createMap(config, marker);
  const view = map.getView();
  view.fit(transformExtent(config.home, 'EPSG:4326', 'EPSG:3857'),
    {size: map.getSize(), padding: [10, 10, 10, 10]});
  let point = null;
  map.once('rendercomplete', () => performance.mark('sig-report-map-rendered'));

  function place(lonlat, centre = false, writeInputs = true) {
    point = lonlat;
    marker.clear();
    marker.addFeature(new Feature(new Point(fromLonLat(lonlat))));
    if (writeInputs) {
      byId('lat').value = lonlat[1].toFixed(DECIMALS);
      byId('lon').value = lonlat[0].toFixed(DECIMALS);
    }
    byId('place-status').textContent = describe(lonlat, config.lang);
    byId('report-map').dataset.placed = 'true';
    if (centre) view.animate({center: fromLonLat(lonlat), zoom: PLACE_ZOOM, duration: 300});
  }

  map.on('singleclick', (event) => place(toLonLat(event.coordinate)));
  byId('report-map').addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' && event.key !== ' ') return;
    event.preventDefault();
    place(toLonLat(view.getCenter()));
  });
  for (const input of [byId('lat'), byId('lon')]) {
    input.addEventListener('change', () => {
      const typed = typedPoint();
      if (typed) place(typed, true, false);
    });
  }
  byId('use-location').addEventListener('click', () => locate(place));
  return {map, place, fit: (bbox) => view.fit(transformExtent(bbox, 'EPSG:4326', 'EPSG:3857'),
    {padding: [20, 20, 20, 20], duration: 300}), hasPoint: () => point !== null};
}
