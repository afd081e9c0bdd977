// The Linha Verde report page: a category, the place (map, device location or an address of
// the `moradas` theme), a description, photos and an optional contact, sent to /ocorrencias/.
import 'ol/ol.css';
import './report.css';
import {byId} from '../dom.js';
import {setCatalog} from '../i18n.js';
import {setupAddressSearch} from './address.js';
import {setupReportForm} from './form.js';
import {setupReportMap} from './reportmap.js';

const config = JSON.parse(byId('sig-report-config').textContent);
setCatalog(config.catalog);
const place = setupReportMap(config);
setupAddressSearch(config, place);
setupReportForm(config, place);
performance.mark('sig-report-ready');
window.sigReport = {map: place.map};
