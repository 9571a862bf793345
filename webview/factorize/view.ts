// The Factorize page's DOM: the layout, the data card and the settings form. The result cards
// are results.ts; the state is state.ts; main.ts wires them to the channel.
import type { FactorizeConfig } from '../../src/core/factorize/job';
import type { FactorizeDataPayload, FactorizeInputChoice, FactorizeSource } from '../../src/protocol/factorize';
import { card, el, messageAndStatus } from '../common/ui';
import { computeView, describeGrid, fmt, formFromConfig, lossHint, sourceTitle, valueRange, type BackendState, type SettingsForm } from './state';

export type FactorizeView = ReturnType<typeof createFactorizeView>;

/** The settings' tooltips, with their units. */
const TIPS = {
  loss: 'Wasserstein: the optimal-transport loss over the grid (shifted bumps share atoms); Frobenius: ½‖X − DΛ‖²; KL: the generalised Kullback–Leibler divergence',
  k: 'The number of atoms (columns of D), a count',
  epsilon: 'ε: the entropic regularisation of the transport, in units of the ground cost scaled to mean 1 (smaller: sharper, slower)',
  rho1: 'ρ₁: the entropy weight on the weights Λ (dimensionless; larger: smoother weights)',
  rho2: 'ρ₂: the entropy weight on the atoms D (dimensionless; larger: smoother atoms)',
  iterations: 'Outer iterations (Wasserstein: each solves two dual problems) or multiplicative updates (Frobenius, KL), a count',
  inner: 'At most this many L-BFGS iterations per dual step (a count); each stops earlier at gradient 1e-4',
  seed: 'The seed of the initial atoms and weights (a whole number)',
  grid: 'Where the bins sit: the ground cost of the Wasserstein loss, and how atoms are drawn. line: the bins evenly spaced from → to; image: width × height pixels, row by row',
  gridLo: 'The position of the first bin, in the data’s own units (e.g. nm, s)',
  gridHi: 'The position of the last bin, in the data’s own units',
  gridWidth: 'Image width, in pixels (width × height = the number of bins)',
  gridHeight: 'Image height, in pixels',
  compute: 'Where Wasserstein NMF runs: tfjs (float32, on the panel’s backend) or the core’s Float64 code on the CPU. The default is the one measured faster on a step of this data; the badge says which and why',
};

function numberInput(id: string, attrs: Record<string, string>): HTMLInputElement {
  return el('input', { id, type: 'number', ...attrs });
}

export function createFactorizeView(app: HTMLElement) {
  const header = el(
    'header',
    {},
    el('h1', { id: 'title' }, 'Lacuna: factorize'),
    el('span', { id: 'backend', class: 'badge', title: 'The tfjs backend, chosen by timing a representative step on each one' }, 'backend: measuring…'),
    el('span', { id: 'compute-badge', class: 'badge' }, 'compute: choosing…'),
    el('span', { id: 'status', class: 'badge' }, ''),
  );
  const message = el('div', { id: 'message', role: 'status' });
  const title = header.querySelector('h1')!;
  /** The platform's tfjs backend badge, and this panel's compute path (tfjs or Float64). */
  const backendBadge = header.querySelector<HTMLElement>('#backend')!;
  const badge = header.querySelector<HTMLElement>('#compute-badge')!;

  const dataCard = card('data-card', 'Data');
  const settingsCard = card('settings', 'Factorize X ≈ DΛ');
  const cards = {
    atoms: card('atoms-card', 'Atoms (columns of D)'),
    objective: card('objective-card', 'Objective over the iterations'),
    reconstructions: card('reconstructions-card', 'Reconstructions DΛ beside the originals'),
    weights: card('weights-card', 'Weights Λ of the selected observation'),
  };
  const resultCards = Object.values(cards);
  app.append(header, message, dataCard.section, settingsCard.section, ...resultCards.map((c) => c.section));
  for (const c of resultCards) c.section.hidden = true;
  const { setMessage, setStatus } = messageAndStatus(message);

  // Data card
  const inputSelect = el('select', { id: 'input', title: 'What to factorise: the file (bins as rows, observations as columns), or a sample' });
  const stats = el('dl', { class: 'stats' });
  dataCard.body.append(el('div', { class: 'controls' }, el('label', {}, 'input ', inputSelect)), stats);

  function showData(p: FactorizeDataPayload, src: FactorizeSource, inputs: { choice: FactorizeInputChoice; label: string }[]) {
    for (const c of resultCards) c.section.hidden = true;
    inputSelect.replaceChildren(...inputs.map((i) => el('option', { value: i.choice }, i.label)));
    inputSelect.value = src.kind === 'file' ? 'file' : src.name;
    title.textContent = `Factorize: ${sourceTitle(src, inputs)}`;
    const [lo, hi] = valueRange(p.values);
    stats.replaceChildren(
      el('dt', {}, 'shape'),
      el('dd', { id: 'shape' }, `${p.rows} × ${p.cols}`),
      el('dt', {}, 'layout'),
      el('dd', {}, `${p.rows} bins (rows) × ${p.cols} observations (columns)`),
      el('dt', {}, 'grid'),
      el('dd', { id: 'data-grid' }, describeGrid(p.grid)),
      el('dt', {}, 'values'),
      el('dd', {}, `${fmt(lo)} … ${fmt(hi)}`),
    );
  }

  // Settings card
  const lossSelect = el('select', { id: 'loss' }, el('option', { value: 'wasserstein' }, 'Wasserstein'), el('option', { value: 'frobenius' }, 'Frobenius'), el('option', { value: 'kl' }, 'KL divergence'));
  const fields = {
    k: numberInput('k', { min: '1', max: '1000', step: '1', value: '3', title: TIPS.k }),
    epsilon: numberInput('epsilon', { min: '0', step: 'any', value: '0.025', title: TIPS.epsilon }),
    rho1: numberInput('rho1', { min: '0', step: 'any', value: '0.05', title: TIPS.rho1 }),
    rho2: numberInput('rho2', { min: '0', step: 'any', value: '0.05', title: TIPS.rho2 }),
    iterations: numberInput('iterations', { min: '1', step: '1', value: '10', title: TIPS.iterations }),
    inner: numberInput('inner', { min: '1', step: '1', value: '250', title: TIPS.inner }),
    seed: numberInput('seed', { min: '0', step: '1', value: '0', title: TIPS.seed }),
    gridLo: numberInput('grid-lo', { step: 'any', value: '0', title: TIPS.gridLo }),
    gridHi: numberInput('grid-hi', { step: 'any', value: '1', title: TIPS.gridHi }),
    gridWidth: numberInput('grid-width', { min: '1', step: '1', value: '1', title: TIPS.gridWidth }),
    gridHeight: numberInput('grid-height', { min: '1', step: '1', value: '1', title: TIPS.gridHeight }),
  };
  const gridKind = el('select', { id: 'grid-kind' }, el('option', { value: 'line' }, 'line'), el('option', { value: 'image' }, 'image'));
  const lineFields = el('span', { class: 'grid-fields', id: 'line-fields' }, el('label', { title: TIPS.gridLo }, 'from ', fields.gridLo), el('label', { title: TIPS.gridHi }, 'to ', fields.gridHi));
  const imageFields = el('span', { class: 'grid-fields', id: 'image-fields' }, el('label', { title: TIPS.gridWidth }, 'width ', fields.gridWidth), el('label', { title: TIPS.gridHeight }, 'height ', fields.gridHeight));
  const computeSelect = el('select', { id: 'compute', title: TIPS.compute }, el('option', { value: 'tfjs' }, 'tfjs (float32)'), el('option', { value: 'float64' }, 'CPU (Float64)'));
  const computeLabel = el('label', { id: 'compute-label', title: TIPS.compute }, 'compute ', computeSelect);
  const runButton = el('button', { id: 'run' }, 'Run');
  const cancelButton = el('button', { id: 'cancel', class: 'secondary', disabled: '' }, 'Cancel');
  const progressBar = el('progress', { id: 'progress-bar', max: '1', value: '0' });
  const progressText = el('span', { id: 'progress' });
  const hint = el('p', { class: 'hint', id: 'loss-hint' }, '');
  const wassersteinRow = el(
    'div',
    { class: 'controls' },
    el(
      'span',
      { class: 'group', id: 'wasserstein-settings' },
      el('label', { title: TIPS.epsilon }, 'ε ', fields.epsilon),
      el('label', { title: TIPS.rho1 }, 'ρ₁ ', fields.rho1),
      el('label', { title: TIPS.rho2 }, 'ρ₂ ', fields.rho2),
      el('label', { title: TIPS.inner }, 'L-BFGS cap ', fields.inner),
    ),
  );
  settingsCard.body.append(
    el(
      'div',
      { class: 'controls' },
      el('label', { title: TIPS.loss }, 'loss ', lossSelect),
      el('label', { title: TIPS.k }, 'k ', fields.k),
      el('label', { title: TIPS.iterations }, 'iterations ', fields.iterations),
      el('label', { title: TIPS.seed }, 'seed ', fields.seed),
      computeLabel,
    ),
    wassersteinRow,
    el('div', { class: 'controls' }, el('label', { title: TIPS.grid }, 'grid ', gridKind), lineFields, imageFields),
    el('div', { class: 'controls' }, runButton, cancelButton, progressBar, progressText),
    hint,
  );

  /** The form, as text. */
  function form(): SettingsForm {
    const f = fields;
    return {
      loss: lossSelect.value, k: f.k.value, epsilon: f.epsilon.value, rho1: f.rho1.value, rho2: f.rho2.value, iterations: f.iterations.value, inner: f.inner.value,
      seed: f.seed.value, gridKind: gridKind.value, gridLo: f.gridLo.value, gridHi: f.gridHi.value, gridWidth: f.gridWidth.value, gridHeight: f.gridHeight.value,
    };
  }

  /** Sets the grid fields (the data preview's grid choice). */
  function setGrid(grid: FactorizeConfig['grid']) {
    gridKind.value = grid.kind;
    if (grid.kind === 'line') {
      fields.gridLo.value = String(grid.lo);
      fields.gridHi.value = String(grid.hi);
    } else {
      fields.gridWidth.value = String(grid.width);
      fields.gridHeight.value = String(grid.height);
    }
  }

  function showConfig(config: FactorizeConfig, rows: number | null) {
    const f = formFromConfig(config, rows);
    lossSelect.value = f.loss;
    gridKind.value = f.gridKind;
    for (const key of Object.keys(fields) as (keyof typeof fields)[]) fields[key].value = f[key];
  }

  /** Shows what the loss and grid kind ask for: the Wasserstein fields, the grid's fields, the hint. */
  function syncSettings() {
    const wasserstein = lossSelect.value === 'wasserstein';
    wassersteinRow.hidden = !wasserstein;
    lineFields.hidden = gridKind.value !== 'line';
    imageFields.hidden = gridKind.value !== 'image';
    hint.textContent = lossHint(lossSelect.value);
  }

  /** Fills the compute choice and the badge. */
  function showCompute(c: BackendState, path: 'tfjs' | 'float64', why: string | null, chosen: boolean, running: boolean) {
    const loss = lossSelect.value as FactorizeConfig['loss'];
    const v = computeView(c, loss, path, why, chosen);
    const tfjsOption = computeSelect.querySelector<HTMLOptionElement>('option[value="tfjs"]')!;
    if (v.tfjsOption) tfjsOption.textContent = v.tfjsOption;
    computeSelect.querySelector<HTMLOptionElement>('option[value="float64"]')!.textContent = v.float64Option;
    if (v.value) computeSelect.value = v.value;
    tfjsOption.disabled = v.tfjsDisabled;
    computeSelect.disabled = running || loss !== 'wasserstein' || !c.backend;
    // NMF (Frobenius, KL) always runs in Float64: no choice to show.
    computeLabel.hidden = loss !== 'wasserstein';
    Object.assign(badge.dataset, { backend: v.badge.backend, tfjs: v.badge.tfjs, adapter: v.badge.adapter, chosenBy: v.badge.chosenBy });
    badge.textContent = v.badge.text;
    badge.title = v.badge.title;
  }

  function setRunning(on: boolean, trusted: boolean) {
    runButton.disabled = on || !trusted;
    cancelButton.disabled = !on;
    inputSelect.disabled = on;
    for (const input of settingsCard.body.querySelectorAll('input, select')) (input as HTMLInputElement).disabled = on;
  }

  function setProgress(fraction: number | null, text: string) {
    if (fraction !== null) progressBar.value = fraction;
    progressText.textContent = text;
  }

  function showSummary(text: string, data: Record<string, string> | null) {
    if (!data) {
      document.getElementById('result')?.remove();
      return;
    }
    const summary = document.getElementById('result') ?? el('p', { id: 'result' });
    summary.textContent = text;
    Object.assign(summary.dataset, data);
    settingsCard.body.append(summary);
  }

  /** The platform's backend selector goes beside Run. */
  function placeBackendSelector(selector: HTMLElement) {
    runButton.before(selector);
  }

  return { title, message, cards, dataCard, backendBadge, placeBackendSelector, setGrid, inputSelect, lossSelect, gridKind, computeSelect, runButton, cancelButton, setMessage, setStatus, showData, form, showConfig, syncSettings, showCompute, setRunning, setProgress, showSummary };
}
