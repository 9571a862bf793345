// Saved imputers in the tfjs model format: a model.json (the architecture, the normaliser and
// the training state as JSON, and a tfjs `weightsManifest`) beside one binary weights file of
// little-endian float32 tensors, in manifest order. `tf.io.decodeWeights` reads the weights;
// Lacuna rebuilds its own models from the topology.
import type { Checkpoint } from './train';
import { DEEP_METHODS } from './models';

export const MODEL_FORMAT = 'lacuna-imputer';
export const WEIGHTS_FILE = 'weights.bin';

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

type Named = { name: string; shape: number[]; values: Float32Array };

export function encodeCheckpoint(c: Checkpoint): { json: string; weights: Uint8Array } {
  const groups: [string, Named[] | null][] = [
    ['weights', c.weights],
    ['best', c.bestWeights],
    ['optimizer', c.optimizerState],
    ['average', c.averageWeights ?? null],
  ];
  const specs: WeightSpec[] = [];
  const parts: Float32Array[] = [];
  for (const [group, list] of groups) {
    for (const [i, w] of (list ?? []).entries()) {
      specs.push({ name: `${group}/${i}/${w.name}`, shape: w.shape, dtype: 'float32' });
      parts.push(w.values);
    }
  }
  const total = parts.reduce((s, p) => s + p.length, 0);
  const flat = new Float32Array(total);
  let offset = 0;
  for (const p of parts) {
    flat.set(p, offset);
    offset += p.length;
  }
  const { weights: _w, bestWeights: _b, optimizerState: _o, averageWeights: _a, method, config, norm, ...training } = c;
  const model = {
    format: MODEL_FORMAT,
    generatedBy: 'lacuna',
    convertedBy: null,
    modelTopology: { method, config, norm },
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
    userDefinedMetadata: { training, groups: groups.map(([g, list]) => ({ group: g, present: list !== null })) },
  };
  // The weights are written little-endian, as tfjs expects.
  const bytes = new Uint8Array(flat.buffer, flat.byteOffset, flat.byteLength);
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('big-endian hosts are not supported');
  return { json: JSON.stringify(model), weights: bytes };
}

/** Reads a saved model back; `jsonName` and `weightsName` name the files in errors. */
export function decodeCheckpoint(json: string, weights: Uint8Array, jsonName = 'model.json', weightsName = WEIGHTS_FILE): Checkpoint {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- checked field by field below
  let model: any;
  try {
    model = JSON.parse(json);
  } catch (err) {
    throw new Error(`${jsonName}: expected JSON, ${(err as Error).message}`);
  }
  if (model?.format !== MODEL_FORMAT) throw new Error(`${jsonName}: expected a Lacuna imputer (format "${MODEL_FORMAT}"), found format ${JSON.stringify(model?.format)}`);
  const topology = model.modelTopology;
  if (!DEEP_METHODS.includes(topology?.method)) throw new Error(`${jsonName}: expected modelTopology.method to be one of ${DEEP_METHODS.join(', ')}, found ${JSON.stringify(topology?.method)}`);
  const specs: WeightSpec[] = model.weightsManifest?.[0]?.weights ?? [];
  const need = specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  if (weights.byteLength !== need * 4) throw new Error(`${weightsName}: expected ${need * 4} bytes of float32 weights for ${jsonName}, found ${weights.byteLength}`);
  const aligned = new Float32Array(need);
  new Uint8Array(aligned.buffer).set(weights);
  const groups: Record<string, Named[]> = { weights: [], best: [], optimizer: [], average: [] };
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const [group, , ...rest] = spec.name.split('/');
    if (!(group in groups)) throw new Error(`${jsonName}: unexpected weight group in ${spec.name}`);
    groups[group].push({ name: rest.join('/'), shape: spec.shape, values: aligned.slice(offset, offset + size) });
    offset += size;
  }
  const present = new Map<string, boolean>((model.userDefinedMetadata?.groups ?? []).map((g: { group: string; present: boolean }) => [g.group, g.present]));
  const training = model.userDefinedMetadata?.training ?? {};
  return {
    ...training,
    method: topology.method,
    config: topology.config,
    norm: topology.norm,
    weights: groups.weights,
    bestWeights: present.get('best') ? groups.best : null,
    optimizerState: present.get('optimizer') ? groups.optimizer : null,
    averageWeights: present.get('average') ? groups.average : null,
    bestValidation: training.bestValidation ?? Infinity,
  } as Checkpoint;
}
