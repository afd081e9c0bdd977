// Click to identify: features of the visible layers under the cursor, in a popup (as text).
import Overlay from 'ol/Overlay.js';
import {getPointResolution} from 'ol/proj.js';
import {byId, clear, el, getJSON} from './dom.js';
import {gettext} from './i18n.js';

const PIXELS = 6;

function resultBlock(result) {
  const rows = result.atributos
    .filter((a) => a.valor !== null && a.valor !== '')
    .map((a) => el('tr', {}, [el('th', {text: a.nome}), el('td', {text: a.valor})]));
  return el('section', {className: 'identify-result', 'data-layer': result.camada}, [
    el('h3', {text: result.titulo}),
    el('table', {}, [el('tbody', {}, rows)]),
  ]);
}

export function setupIdentify(map, config, visibleLayers, isBusy) {
  const box = byId('popup');
  const content = byId('popup-content');
  const overlay = new Overlay({element: box, autoPan: {animation: {duration: 200}}});
  map.addOverlay(overlay);
  byId('popup-close').addEventListener('click', () => overlay.setPosition(undefined));
  map.on('singleclick', async (event) => {
    const layers = visibleLayers();
    if (isBusy() || !layers.length) return;
    const view = map.getView();
    const ground = getPointResolution(view.getProjection(), view.getResolution(), event.coordinate);
    const [x, y] = event.coordinate;
    const query = new URLSearchParams({x: x.toFixed(2), y: y.toFixed(2),
      tol: Math.min(500, Math.max(0.5, ground * PIXELS)).toFixed(2), camadas: layers.join(','),
      lang: config.lang});
    clear(content);
    try {
      const body = await getJSON(`${config.identify}?${query}`);
      if (!body.resultados.length) {
        content.append(el('p', {text: gettext('Nenhum elemento neste local.')}));
      }
      for (const result of body.resultados) content.append(resultBlock(result));
    } catch (error) {
      const text = `${gettext('Ocorreu um erro. Tente novamente.')} (${error.message})`;
      content.append(el('p', {className: 'error', text}));
    }
    overlay.setPosition(event.coordinate);
  });
  return overlay;
}
