// One occurrence: facts (contact included: staff only), photos, the linked feature, the
// history (internal notes marked), and the actions: state (with the duplicate's code),
// assignment, a public reply or an internal note. Every text goes in as text.
import {byId, clear, el} from '../dom.js';
import {gettext, interpolate} from '../i18n.js';
import {post} from './api.js';

function when(value) {
  return value ? value.slice(0, 16).replace('T', ' ') : '—';
}

// Category answers: an object, or its JSON text as the database hands it over.
function answers(o) {
  const value = o.atributos || {};
  return Object.entries(typeof value === 'string' ? JSON.parse(value) : value);
}

function facts(config, o) {
  const category = config.categorias.find((c) => c.codigo === o.categoria);
  const contact = o.contacto || {};
  const number = o.elemento && interpolate(gettext('n.º {id}'), {id: o.elemento.id});
  const linked = o.elemento ? `${o.elemento.tema} ${number} (${o.elemento.distancia_m} m)` : '—';
  return [
    [gettext('Estado'), config.estados[o.estado] + (o.atrasada ? ` (${gettext('atrasada')})` : '')],
    [gettext('Categoria'), category ? category.titulo : o.categoria],
    [gettext('Município'), o.municipio],
    [gettext('Freguesia'), o.freguesia || '—'], [gettext('Morada'), o.morada || '—'],
    [gettext('Registada'), when(o.criada_em)], [gettext('Prazo'), when(o.prazo)],
    [gettext('Serviço'), o.servico || '—'], [gettext('Atribuída a'), o.atribuida_a || '—'],
    [gettext('Duplicada de'), o.duplicada_de || '—'], [gettext('Elemento ligado'), linked],
    ...answers(o).map(([k, v]) => [k, String(v)]),
    [gettext('Contacto'),
      [contact.nome, contact.email, contact.telefone].filter(Boolean).join(' · ') || '—'],
  ];
}

function renderFacts(config, o) {
  const list = byId('d-factos');
  clear(list);
  for (const [term, value] of facts(config, o)) list.append(el('dt', {text: term}), el('dd', {text: value}));
}

function renderEvents(o) {
  const list = byId('d-eventos');
  clear(list);
  for (const e of o.eventos) {
    const kind = {estado: gettext('Estado'), resposta: gettext('Resposta pública'),
      nota: gettext('Nota interna')}[e.tipo];
    const text = e.tipo === 'estado' ? e.estado : e.texto;
    list.append(el('li', {className: `event event-${e.tipo}`},
      [el('time', {text: when(e.em)}), ` ${kind} (${e.autor || '—'}): `, el('span', {text})]));
  }
}

function photoText(f) {
  return interpolate(gettext('Fotografia {id} ({width}×{height})'),
    {id: f.id, width: f.largura, height: f.altura});
}

function renderPhotos(config, o) {
  const box = byId('d-fotos');
  clear(box);
  for (const f of o.fotografias) {
    const src = `${config.api}fotografias/${f.id}`;
    box.append(el('a', {href: src, target: '_blank'},
      el('img', {src, width: 160, alt: photoText(f), loading: 'lazy'})));
  }
}

function renderActions(config, o) {
  const select = byId('a-estado');
  clear(select);
  const keep = interpolate(gettext('— manter ({state}) —'), {state: config.estados[o.estado]});
  select.append(el('option', {value: '', text: keep}));
  for (const next of config.proximos[o.estado] || []) select.append(el('option', {value: next, text: config.estados[next]}));
  byId('a-duplicada-p').hidden = true;
  byId('a-atribuida').value = o.atribuida_a || '';
}

function changes(current) {
  const body = {row_version: current.row_version};
  const estado = byId('a-estado').value;
  if (estado) body.estado = estado;
  if (estado === 'duplicada') body.duplicada_de = byId('a-duplicada').value.trim().toUpperCase();
  const assignee = byId('a-atribuida').value.trim();
  if (assignee !== (current.atribuida_a || '')) body.atribuida_a = assignee;
  return body;
}

export function setupDetail(config, tmap, onChanged) {
  let current = null;
  const message = (text) => { byId('d-mensagem').textContent = text; };
  function show(o) {
    current = o;
    byId('detalhe').hidden = false;
    byId('d-codigo').textContent = o.codigo;
    byId('detalhe').dataset.codigo = o.codigo;
    byId('d-descricao').textContent = o.descricao;
    renderFacts(config, o);
    renderPhotos(config, o);
    renderEvents(o);
    renderActions(config, o);
    tmap.link(o.elemento ? config.feature.replace('{tema}', o.elemento.tema).replace('{id}', o.elemento.id) : null);
  }
  async function act(url, body, done) {
    try {
      await post(url, body);
      await onChanged(current.codigo);
      message(done);
    } catch (error) {
      message(error.status === 412
        ? gettext('Outra pessoa alterou a ocorrência: recarregada, verifique e repita.')
        : interpolate(gettext('Recusado: {reason}'), {reason: error.message}));
      if (error.status === 412) await onChanged(current.codigo);
    }
  }
  byId('a-estado').addEventListener('change', () => { byId('a-duplicada-p').hidden = byId('a-estado').value !== 'duplicada'; });
  byId('form-estado').addEventListener('submit', (event) => {
    event.preventDefault();
    act(`${config.api}${current.codigo}/alterar`, changes(current), gettext('Gravado.'));
  });
  byId('form-nota').addEventListener('submit', (event) => {
    event.preventDefault();
    const publico = byId('form-nota').elements.publico.value === 'true';
    act(`${config.api}${current.codigo}/notas`, {texto: byId('n-texto').value, publico},
      publico ? gettext('Resposta publicada.') : gettext('Nota interna gravada.'))
      .then(() => { byId('n-texto').value = ''; });
  });
  return {show, message};
}
