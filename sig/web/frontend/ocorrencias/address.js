// Address search for the report page, through the web map's search service (/dados/api/pesquisa:
// addresses of the `moradas` theme, «rua número» or «rua, número, lugar», facilities and areas).
// Choosing an address marks its point and fills the address field; an area zooms to it.
import {byId, clear, debounce, el, getJSON} from '../dom.js';
import {gettext} from '../i18n.js';

function label(result) {
  const kind = {municipio: gettext('Município'), freguesia: gettext('Freguesia')}[result.tipo];
  return kind ? `${result.nome} — ${kind}` : `${result.nome} — ${result.detalhe}`;
}

function choose(result, place) {
  if (result.ponto) {
    place.place(result.ponto, true);
    if (result.tipo === 'morada') byId('morada').value = `${result.nome}, ${result.detalhe}`;
  } else if (result.bbox) {
    place.fit(result.bbox);
    byId('place-status').textContent = gettext('Aproxime o mapa e toque no local exato.');
  }
}

function render(list, items, pick) {
  clear(list);
  if (!items.length) list.append(el('li', {className: 'none', text: gettext('Sem resultados.')}));
  for (const item of items) {
    const button = el('button', {type: 'button', text: label(item)});
    button.addEventListener('click', () => pick(item));
    list.append(el('li', {}, button));
  }
  list.hidden = false;
}

export function setupAddressSearch(config, place) {
  const input = byId('address-q');
  const list = byId('address-results');
  let results = [];
  const pick = (item) => {
    choose(item, place);
    clear(list);
    list.hidden = true;
  };
  const run = debounce(async () => {
    const q = input.value.trim();
    if (q.length < 2) {
      list.hidden = true;
      return;
    }
    try {
      results = (await getJSON(`${config.search}?${new URLSearchParams({q})}`)).resultados;
      render(list, results, pick);
    } catch (error) {
      clear(list);
      list.append(el('li', {className: 'error', text: gettext('Ocorreu um erro. Tente novamente.')}));
      list.hidden = false;
    }
  }, 250);
  input.addEventListener('input', run);
  input.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();  // Enter here picks the first address, it does not send the form
    if (results.length) pick(results[0]);
  });
}
