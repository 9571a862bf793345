// The one way an imputed matrix reaches the disk, for the CLI and the extension host alike: in
// the input's own format (delimiter and index column kept), at `<name>.imputed.<ext>` beside the
// input unless another path is given, atomically, and never over any of the inputs.
import { writeFileAtomic } from '../io/node';
import { imputedPath, serializeMatrix, type ReadResult } from '../io/read';
import type { MaskedMatrix } from '../matrix/masked';

export async function writeImputed(input: string, read: Pick<ReadResult, 'format' | 'delimiter' | 'indexName' | 'transposed' | 'rowLabelColumn'>, imputed: MaskedMatrix, options: { out?: string; protect: string[] }): Promise<string> {
  const target = options.out ?? imputedPath(input, read.format);
  await writeFileAtomic(target, serializeMatrix(imputed, read.format, { delimiter: read.delimiter, indexName: read.indexName, transposed: read.transposed, noIndex: read.rowLabelColumn === false }), [input, ...options.protect]);
  return target;
}
