import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const layout = README.slice(README.indexOf('## Layout'));
const listed = new Set(
  [...layout.matchAll(/^\| `([^`]+)` +\|/gm)].map((m) => m[1]).filter((p) => !p.includes(' ')),
);

const dirsUnder = (dir: string) =>
  readdirSync(path.join(ROOT, dir))
    .filter((name) => statSync(path.join(ROOT, dir, name)).isDirectory())
    .map((name) => `${dir}/${name}`);

describe("the README's layout table", () => {
  it('lists every folder of src/ and test/, and the top-level folders', () => {
    const expected = [...dirsUnder('src'), ...dirsUnder('test'), 'devtools', 'scripts', 'bench', 'docs'];
    expect(expected.filter((dir) => !listed.has(dir))).toEqual([]);
  });

  it('lists nothing that does not exist', () => {
    expect([...listed].filter((p) => !statSync(path.join(ROOT, p), { throwIfNoEntry: false }))).toEqual([]);
  });
});
