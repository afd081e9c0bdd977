// The editing map in PT-TM06 (EPSG:3763): municipal boundaries, the chosen theme's features,
// a message balloon and the cursor's coordinates. Projection, extent and resolutions are the
// server's PT-TM06 tile grid (sig/tilegrid.py), received in the page's configuration.
import OlMap from 'ol/Map.js';
import Overlay from 'ol/Overlay.js';
import View from 'ol/View.js';
import {defaults as defaultControls, ScaleLine} from 'ol/control.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import VectorLayer from 'ol/layer/Vector.js';
import {bbox} from 'ol/loadingstrategy.js';
import VectorSource from 'ol/source/Vector.js';
import {byId} from '../dom.js';
import {gettext, interpolate} from '../i18n.js';
import {registerPTTM06} from '../projections.js';
import {itemsUrl, problemText, request} from './api.js';
import {app, note, number, say} from './app.js';
import {boundaryStyle, featureStyle} from './styles.js';

export const format = new GeoJSON();
export const boundaries = new VectorSource();
const boundaryLayer = new VectorLayer({source: boundaries, style: boundaryStyle});
let popup = null;
let grid = null;

// A view in PT-TM06 on the server's resolutions.
export function gridView(options) {
  return new View({projection: grid.code, resolutions: grid.resolutions, ...options});
}

export function createMap(crs) {
  registerPTTM06(crs);
  grid = crs;
  app.source = new VectorSource();
  app.featureLayer = new VectorLayer({source: app.source, style: featureStyle});
  app.map = new OlMap({
    target: 'mapa',
    layers: [boundaryLayer, app.featureLayer],
    view: gridView({center: [-57826, 9015], zoom: 6, extent: crs.extent,
      constrainResolution: false}),
    controls: defaultControls().extend([new ScaleLine()]),
  });
  popup = new Overlay({element: byId('popup'), positioning: 'bottom-center', offset: [0, -12],
    autoPan: {animation: {duration: 200}}});
  app.map.addOverlay(popup);
  app.map.on('pointermove', (event) => {
    const [e, n] = event.coordinate;
    byId('coordenadas').textContent = `E ${number(e)} m · N ${number(n)} m`;
  });
  return app.map;
}

export function redrawBoundaries() {
  boundaryLayer.changed();
}

function geometryAnchor(geometry) {
  const type = geometry.getType();
  if (type === 'Point') return geometry.getCoordinates();
  if (type === 'MultiPoint') return geometry.getPoint(0).getCoordinates();
  if (type === 'LineString') return geometry.getCoordinateAt(0.5);
  if (type === 'MultiLineString') return geometry.getLineString(0).getCoordinateAt(0.5);
  if (type === 'Polygon') return geometry.getInteriorPoint().getCoordinates().slice(0, 2);
  return geometry.getInteriorPoints().getPoint(0).getCoordinates().slice(0, 2);
}

export function showPopup(feature, message, kind) {
  const node = byId('popup');
  node.textContent = message;
  node.className = `popup ${kind || 'error'}`;
  node.hidden = false;
  popup.setPosition(feature && feature.getGeometry()
    ? geometryAnchor(feature.getGeometry()) : undefined);
}

export function hidePopup() {
  byId('popup').hidden = true;
  popup.setPosition(undefined);
}

// The features of one theme, read by box as the map moves (at most 5000 per request).
export function makeSource(themeId) {
  const source = new VectorSource({
    strategy: bbox,
    loader: async (extent, resolution, projection, success, failure) => {
      const url = `${itemsUrl(themeId)}?bbox=${extent.map((v) => v.toFixed(1)).join(',')}` +
        '&bbox-crs=EPSG:3763&crs=EPSG:3763&limit=5000';
      try {
        const result = await request('GET', url);
        if (!result.ok) throw new Error(problemText(result.data));
        const fresh = format.readFeatures(result.data)
          .filter((f) => !source.getFeatureById(f.getId()));
        source.addFeatures(fresh);
        success(fresh);
        note(interpolate(gettext('{n} elementos carregados.'), {n: source.getFeatures().length}));
      } catch (error) {
        say(interpolate(gettext('Não foi possível carregar os elementos: {reason}'),
          {reason: error.message}));
        failure();
      }
    },
  });
  return source;
}
