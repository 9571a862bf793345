// The backend selector every tfjs panel can show beside its badge: 'auto' (the measured fastest)
// and each backend that ran the probe step, with its time a step. Choosing one switches tfjs and
// redraws the badge; `lock` disables it while a run is going (a run keeps its backend).
import type { TfNamespace } from '../../src/core/tf/backend';
import { backendOptions, showBackendBadge, switchBackend, type BadgeLike, type PickedBackend } from './backend';
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
