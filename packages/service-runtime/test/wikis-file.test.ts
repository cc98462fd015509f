import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { testWiki, writeWikisFile } from '@wikicast/test/support';
import { WikisFile, type WikiRegistry } from '../src/index.js';

describe('WikisFile', () => {
  const first = testWiki('first');
  const second = testWiki('second');
  const file = writeWikisFile([first]);
  after(() => file.remove());
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) });

  it('takes a good file, tells its listeners, and keeps the wikis in force on a bad one', () => {
    const wikis = new WikisFile(file.path, logger);
    const seen: Array<[WikiRegistry, WikiRegistry]> = [];
    wikis.onReload((current, previous) => seen.push([current, previous]));
    const loadedFirst = wikis.current;

    writeFileSync(file.path, JSON.stringify([first, second]));
    assert.equal(wikis.reload(), true);
    assert.ok(wikis.current.has('second'));
    assert.equal(seen.length, 1);
    assert.equal(seen[0]![0], wikis.current);
    assert.equal(seen[0]![1], loadedFirst);

    writeFileSync(file.path, JSON.stringify([{ id: 'short', secret: 'x' }]));
    assert.equal(wikis.reload(), false);
    assert.ok(wikis.current.has('second'), 'the wikis loaded before stay');
    assert.equal(seen.length, 1, 'listeners hear only of reloads that took effect');
    const failure = lines.find((l) => l.msg === 'wikis file reload failed; keeping the wikis loaded before');
    assert.equal(failure?.level, 50, 'logged at error');
  });
});
