// The backend selector every tfjs panel can show beside its badge: 'auto' (the measured fastest)
// and each backend that ran the probe step, with its time a step. Choosing one switches tfjs and
// redraws the badge; `lock` disables it while a run is going (a run keeps its backend).
// `mountBackendChoice` is the whole choice (measure, badge, selector) that every tfjs panel mounts.
import type { TfNamespace } from '../../src/core/tf/backend';
import { backendOptions, pickTfBackend, showBackendBadge, switchBackend, type BadgeLike, type MeasureOptions, type PickedBackend } from './backend';
import { el } from './ui';

export interface BackendSelector {
  element: HTMLLabelElement;
  select: HTMLSelectElement;
  /** Disables the choice while a run is going. */
  lock(on: boolean): void;
}

export function createBackendSelector(tf: TfNamespace, picked: PickedBackend, badge: BadgeLike, onChange: (picked: PickedBackend) => void): BackendSelector {
  const select = el('select', { id: 'backend-select', title: 'The tfjs backend the runs use. auto: the fastest when the panel timed a representative step (a dense forward and backward pass) on each one; the times are per probe step, the badge says why.' });
  for (const o of backendOptions(picked)) select.append(el('option', { value: o.value }, o.label));
  select.value = 'auto';
  const element = el('label', { class: 'backend-choice' }, 'backend ', select);
  select.addEventListener('change', () => {
    void (async () => {
      select.disabled = true;
      const ok = await switchBackend(tf, picked, select.value).catch(() => false);
      if (!ok) select.value = 'auto';
      showBackendBadge(badge, picked);
      select.disabled = false;
      onChange(picked);
    })();
  });
  return {
    element,
    select,
    lock(on) {
      select.disabled = on;
    },
  };
}

/** What `mountBackendChoice` leaves: the measured pick (kept current by the selector) and the selector. */
export interface BackendChoice {
  picked: PickedBackend;
  /** Null when no backend initialised (the badge says why). */
  selector: BackendSelector | null;
}

/**
 * The whole backend choice of a tfjs panel, the same in every panel: each backend that initialises
 * times a representative step (`pickTfBackend` with `measure`), the fastest is taken, the badge
 * shows the choice, its time a step and why (`showBackendBadge`), and the selector is placed
 * beside the panel's Run (`place`). `onChange` hears the first choice and every switch.
 */
export async function mountBackendChoice(
  tf: TfNamespace,
  badge: BadgeLike,
  place: (selector: HTMLLabelElement) => void,
  onChange: (picked: PickedBackend) => void,
  measure: MeasureOptions | true = true,
): Promise<BackendChoice> {
  const picked = await pickTfBackend(tf, undefined, measure);
  showBackendBadge(badge, picked);
  const choice: BackendChoice = { picked, selector: null };
  if (picked.backend) {
    choice.selector = createBackendSelector(tf, picked, badge, onChange);
    place(choice.selector.element);
  }
  onChange(picked);
  return choice;
}
