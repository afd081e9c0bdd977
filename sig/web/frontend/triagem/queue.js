// The queue: the filters (state, category, overdue, municipality for CIMRL administrators)
// and the list of occurrences, newest first; a click or Enter opens one.
import {byId, clear, el} from '../dom.js';
import {gettext, interpolate} from '../i18n.js';
import {call, listUrl} from './api.js';

function fillSelect(select, options) {
  for (const [value, text] of options) select.append(el('option', {value, text}));
}

export function filters() {
  return {estado: byId('f-estado').value, categoria: byId('f-categoria').value,
    municipio: byId('f-municipio').value, atrasadas: byId('f-atrasadas').checked};
}

function itemButton(config, o, onOpen) {
  const category = config.categorias.find((c) => c.codigo === o.categoria);
  const button = el('button', {type: 'button', 'data-codigo': o.codigo}, [
    el('strong', {text: o.codigo}), ' ',
    el('span', {className: `state state-${o.estado}`, text: config.estados[o.estado]}),
    o.atrasada ? el('span', {className: 'late', text: gettext('atrasada')}) : null,
    el('br'), el('span', {text: `${category ? category.titulo : o.categoria} · ${o.municipio}`}),
    el('br'), el('span', {className: 'when', text: o.criada_em.slice(0, 16).replace('T', ' ')}),
  ]);
  button.addEventListener('click', () => onOpen(o.codigo));
  return button;
}

export function setupQueue(config, onList, onOpen) {
  fillSelect(byId('f-categoria'), config.categorias.map((c) => [c.codigo, c.titulo]));
  fillSelect(byId('f-municipio'), config.municipios.map((m) => [m.dico, m.nome]));
  const several = config.admin || config.municipios.length > 1;
  byId('f-municipio').hidden = !several;
  byId('l-municipio').hidden = !several;
  let items = [];
  async function load() {
    const chosen = filters();
    byId('fila-estado').textContent = gettext('A carregar…');
    try {
      const answer = await call(listUrl(config.api, chosen));
      items = answer.ocorrencias.filter((o) => !chosen.categoria || o.categoria === chosen.categoria);
    } catch (error) {
      byId('fila-estado').textContent = interpolate(gettext('Erro: {reason}'), {reason: error.message});
      return items;
    }
    const list = byId('fila');
    clear(list);
    for (const o of items) list.append(el('li', {}, itemButton(config, o, onOpen)));
    byId('fila-estado').textContent = interpolate(gettext('{n} ocorrência(s)'), {n: items.length});
    onList(items);
    return items;
  }
  byId('filtros').addEventListener('change', load);
  byId('filtros').addEventListener('submit', (event) => { event.preventDefault(); load(); });
  return {load, find: (codigo) => items.find((o) => o.codigo === codigo)};
}
