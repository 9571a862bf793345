import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RecordStore, type BaseRecord, type RecordKind } from '../../src/host/records/recordStore';

interface Note extends BaseRecord {
  status: 'running' | 'done' | 'interrupted';
  count: number;
  message: string | null;
}

const checkpointLayout = { name: /^step-\d+$/, layout: { files: /^(model\.json|weights\.bin)$/ } };
const kind: RecordKind<Note> = {
  file: 'note.json',
  noun: 'note',
  check: (v, id) => {
    if (typeof v !== 'object' || v === null) return 'not an object';
    const r = v as Record<string, unknown>;
    if (r.version !== 1 || r.id !== id) return 'wrong version or id';
    if (!['running', 'done', 'interrupted'].includes(r.status as string)) return `unknown status ${JSON.stringify(r.status)}`;
    if (typeof r.count !== 'number') return 'count is not a number';
    return null;
  },
  layout: { files: /^out\.txt$/, folders: [{ name: /^checkpoints$/, layout: { files: /^$/, folders: [checkpointLayout] } }] },
  isActive: (r) => r.status === 'running',
  interrupt: (r, reason) => {
    r.status = 'interrupted';
    r.message = reason;
  },
};

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'lacuna-records-'));
  let t = Date.UTC(2026, 0, 1);
  const store = new RecordStore<Note>(join(dir, '.lacuna', 'runs'), kind, () => new Date((t += 1000)), dir);
  const create = () => store.create((base) => ({ ...base, status: 'running', count: 0, message: null }));
  return { dir, store, create };
}

test('a damaged record is listed as damaged with the reason, never dropped and never thrown', async () => {
  const { store, create } = setup();
  const good = await create();
  const bad = await create();
  writeFileSync(join(store.dir(bad.id), 'note.json'), '{"version":1,');
  const wrong = await create();
  writeFileSync(join(store.dir(wrong.id), 'note.json'), JSON.stringify({ ...wrong, status: 'exploded' }));
  const entries = await store.list();
  assert.equal(entries.length, 3);
  const byId = new Map(entries.map((e) => [e.id, e]));
  assert.equal(byId.get(good.id)!.ok, true);
  const b = byId.get(bad.id)!;
  assert.ok(!b.ok && /not valid JSON/.test(b.reason), JSON.stringify(b));
  const w = byId.get(wrong.id)!;
  assert.ok(!w.ok && /unknown status "exploded"/.test(w.reason), JSON.stringify(w));
  assert.equal(await store.get(bad.id), null);
  await assert.rejects(store.update(bad.id, () => undefined), /damaged: .*not valid JSON/);
  assert.deepEqual((await store.records()).map((r) => r.id), [good.id]);
  // Interruption marks the good running record and leaves the damaged ones as they were.
  assert.deepEqual(await store.markInterrupted('gone'), [good.id]);
  assert.equal(readFileSync(join(store.dir(bad.id), 'note.json'), 'utf8'), '{"version":1,');
});

test('a symlinked checkpoints folder is refused: nothing outside the run folder is touched', async () => {
  const { dir, store, create } = setup();
  const note = await create();
  const outside = join(dir, 'precious');
  mkdirSync(join(outside, 'step-1'), { recursive: true });
  writeFileSync(join(outside, 'keep.txt'), 'mine');
  writeFileSync(join(outside, 'step-1', 'model.json'), '{}');
  symlinkSync(outside, join(store.dir(note.id), 'checkpoints'));
  await assert.rejects(store.writeFolder(note.id, 'checkpoints', 'step-2', { 'model.json': '{}' }), /symbolic link/);
  await assert.rejects(store.prune(note.id, 'checkpoints', checkpointLayout, new Set()), /symbolic link/);
  await assert.rejects(store.writeFile(note.id, ['checkpoints', 'x.txt'], 'x'), /symbolic link/);
  await assert.rejects(store.readFile(note.id, 'checkpoints', 'step-1', 'model.json'), /symbolic link/);
  await store.delete(note.id);
  assert.deepEqual(readdirSync(outside).sort(), ['keep.txt', 'step-1']);
  assert.deepEqual(readdirSync(join(outside, 'step-1')), ['model.json']);
  assert.equal(existsSync(join(store.dir(note.id), 'note.json')), false, 'the record itself is deleted');
  assert.ok(existsSync(join(store.dir(note.id), 'checkpoints')), 'the link is left, not followed');
});

test('a linked run folder reads as damaged and is never written or deleted through', async () => {
  const { dir, store, create } = setup();
  const note = await create();
  const outside = join(dir, 'elsewhere');
  mkdirSync(outside);
  writeFileSync(join(outside, 'note.json'), readFileSync(join(store.dir(note.id), 'note.json')));
  symlinkSync(outside, join(store.root, '20260101-000000-abcdef'));
  const entry = (await store.list()).find((e) => e.id === '20260101-000000-abcdef')!;
  assert.ok(!entry.ok && /symbolic link/.test(entry.reason));
  await assert.rejects(store.writeFile('20260101-000000-abcdef', 'out.txt', 'x'), /symbolic link/);
  await assert.rejects(store.delete('20260101-000000-abcdef'), /symbolic link/);
  assert.deepEqual(readdirSync(outside), ['note.json']);
});

test('a linked .lacuna folder is refused before anything is written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lacuna-records-'));
  const outside = mkdtempSync(join(tmpdir(), 'lacuna-outside-'));
  symlinkSync(outside, join(dir, '.lacuna'));
  const store = new RecordStore<Note>(join(dir, '.lacuna', 'runs'), kind, () => new Date(), dir);
  await assert.rejects(store.create((base) => ({ ...base, status: 'done', count: 0, message: null })), /symbolic link/);
  assert.deepEqual(readdirSync(outside), []);
});

test('concurrent updates all land, atomically, with no temporary files left', async () => {
  const { store, create } = setup();
  const note = await create();
  await Promise.all(Array.from({ length: 40 }, () => store.update(note.id, (r) => void (r.count += 1))));
  assert.equal((await store.get(note.id))!.count, 40);
  assert.deepEqual(readdirSync(store.dir(note.id)), ['note.json']);
  await assert.rejects(store.update(note.id, (r) => void ((r as { status: string }).status = 'bogus')), /would not read back/);
  assert.equal((await store.get(note.id))!.count, 40, 'a change that would not read back is not saved');
});

test('folders are written whole and pruning removes only what the store wrote, by name', async () => {
  const { store, create } = setup();
  const note = await create();
  for (const step of [1, 2, 3]) await store.writeFolder(note.id, 'checkpoints', `step-${step}`, { 'model.json': `{"step":${step}}`, 'weights.bin': new Uint8Array([step]) });
  const root = join(store.dir(note.id), 'checkpoints');
  writeFileSync(join(root, 'step-1', 'notes.md'), 'the user wrote this');
  mkdirSync(join(root, 'mine'));
  await store.prune(note.id, 'checkpoints', checkpointLayout, new Set(['step-3']));
  assert.deepEqual(readdirSync(root).sort(), ['mine', 'step-1', 'step-3']);
  assert.deepEqual(readdirSync(join(root, 'step-1')), ['notes.md'], 'a file the store did not write stays');
  assert.equal((await store.readFile(note.id, 'checkpoints', 'step-3', 'model.json'))!.toString(), '{"step":3}');
  assert.deepEqual(await store.folders(note.id, 'checkpoints'), ['mine', 'step-1', 'step-3'].sort());
  await store.writeFile(note.id, 'out.txt', 'x');
  await assert.rejects(store.writeFile(note.id, '../escape.txt', 'x'), /not a file name/);
  await store.delete(note.id);
  assert.deepEqual(readdirSync(root).sort(), ['mine', 'step-1']);
  assert.deepEqual(readdirSync(store.dir(note.id)), ['checkpoints']);
});
