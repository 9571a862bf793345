// The impute panel's "Sensor placement" tab: its tab strip beside the imputation, its handlers on
// the panel's channel (the host runs the search in core/sampling and reports it), and the view.
// main.ts mounts it with one call; the state is placementState.ts, the DOM placementView.ts.
import type { HostToWebview, TrainingPanelState, WebviewToHost } from '../../src/protocol/impute';
import type { PlacementToPage } from '../../src/protocol/placement';
import type { Channel } from '../common/channel';
import { el } from '../common/ui';
import { applyPlacementMessage, initialPlacementState, readPlacementSettings, type PlacementTabState } from './placementState';
import { createPlacementView } from './placementView';

type ImputeChannel = Channel<WebviewToHost, HostToWebview, TrainingPanelState>;

/**
 * Adds the tab strip under the header and the placement tab. The imputation's own cards stay
 * where they are: the stylesheet hides them while the placement tab is in front (and the
 * placement tab otherwise), so cards the page adds later follow too.
 */
export function mountPlacementTab(channel: ImputeChannel, app: HTMLElement): void {
  const tabImpute = el('button', { id: 'tab-impute', role: 'tab', class: 'tab', 'aria-selected': 'true' }, 'Impute');
  const tabPlacement = el('button', { id: 'tab-placement', role: 'tab', class: 'tab', 'aria-selected': 'false', 'aria-controls': 'placement-tab' }, 'Sensor placement');
  const nav = el('nav', { class: 'tabs', role: 'tablist' }, tabImpute, tabPlacement);
  const panel = el('div', { id: 'placement-tab', role: 'tabpanel' });
  const header = app.querySelector('header');
  if (header) header.after(nav);
  else app.prepend(nav);
  app.append(panel);
  const select = (placement: boolean) => {
    app.dataset.tab = placement ? 'placement' : 'impute';
    tabImpute.setAttribute('aria-selected', String(!placement));
    tabPlacement.setAttribute('aria-selected', String(placement));
  };
  tabImpute.addEventListener('click', () => select(false));
  tabPlacement.addEventListener('click', () => select(true));
  select(false);

  let state: PlacementTabState = initialPlacementState();
  const view = createPlacementView(panel, {
    start() {
      const settings = readPlacementSettings(view.form(), state.cols, !!state.places);
      if (typeof settings === 'string') return view.setMessage(settings, 'error');
      view.setMessage('');
      channel.post({ type: 'placementStart', settings });
    },
    cancel() {
      channel.post({ type: 'placementCancel' });
      view.setMessage('Cancelling… the method under way stops at its next evaluation; finished methods are kept.');
    },
    exportCsv(method) {
      if (state.run) channel.post({ type: 'placementExport', runId: state.run.id, method });
    },
    show(method) {
      state = { ...state, shown: method };
      view.render(state);
    },
    exportTo: (fileName, mime, data) => channel.post({ type: 'export', fileName, mime, data }),
  });
  const apply = (m: PlacementToPage) => {
    state = applyPlacementMessage(state, m);
    view.render(state);
  };
  channel.on('placementInit', (m) => {
    apply(m);
    if (!m.trusted) view.setMessage('This workspace is not trusted: Lacuna shows the data but searches and writes nothing.', 'error');
  });
  channel.on('placementProgress', apply);
  channel.on('placementRun', (m) => {
    apply(m);
    if (m.run.status === 'failed') view.setMessage(`The search failed: ${m.run.message ?? 'no reason given'}`, 'error');
  });
  channel.on('placementSaved', (m) => {
    view.setMessage(`Saved ${m.path}`);
    panel.dataset.saved = m.path;
  });
}
