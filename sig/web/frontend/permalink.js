// The view and the layers in the address (#z=…&c=lon,lat&l=…), restored on load.
import {fromLonLat, toLonLat} from 'ol/proj.js';

export function readPermalink(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const state = {};
  const zoom = Number(params.get('z'));
  const centre = (params.get('c') || '').split(',').map(Number);
  if (params.has('z') && Number.isFinite(zoom)) state.zoom = zoom;
  if (centre.length === 2 && centre.every(Number.isFinite)) state.center = fromLonLat(centre);
  if (params.has('l')) state.layers = params.get('l').split(',').filter(Boolean);
  if (params.has('o')) {
    state.opacity = new Map(params.get('o').split(',').map((pair) => pair.split(':'))
      .filter(([, v]) => Number.isFinite(Number(v))).map(([k, v]) => [k, Number(v) / 100]));
  }
  for (const [key, name] of [['b', 'basemap'], ['m', 'municipio'], ['f', 'freguesia'], ['r', 'mode']]) {
    if (params.get(key)) state[name] = params.get(key);
  }
  return state;
}

export function writePermalink(view, state) {
  const [lon, lat] = toLonLat(view.getCenter());
  const params = new URLSearchParams();
  params.set('z', view.getZoom().toFixed(2));
  params.set('c', `${lon.toFixed(5)},${lat.toFixed(5)}`);
  params.set('l', [...state.visible].join(','));
  const opacity = [...state.opacity].filter(([, v]) => v < 1)
    .map(([k, v]) => `${k}:${Math.round(v * 100)}`);
  if (opacity.length) params.set('o', opacity.join(','));
  params.set('b', state.basemap);
  if (state.mode !== 'vector') params.set('r', state.mode);
  if (state.filter.municipio) params.set('m', state.filter.municipio);
  if (state.filter.freguesia) params.set('f', state.filter.freguesia);
  const hash = `#${params.toString().replaceAll('%2C', ',').replaceAll('%3A', ':')}`;
  history.replaceState(null, '', `${location.pathname}${location.search}${hash}`);
  return location.href;
}
