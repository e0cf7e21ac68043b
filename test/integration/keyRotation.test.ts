import { randomBytes } from 'node:crypto';
import { ObjectId } from 'mongodb';
import { createApiKey, DEFAULT_PROJECT_ID, ensureProject } from '../../src/accounts/apiKeys';
import { Keyring } from '../../src/crypto/keyring';
import { connectDatabase } from '../../src/db/mongo';
import { openUpload, readStoredFile, resealStoredFile, type StoredFiles } from '../../src/db/storedFiles';
import { finishReencryption } from '../../src/privacy/reencryption';
import { sharedServices } from '../support/stackInfo';
import { startTestStack, type TestStack } from '../support/testStack';

type Json = Record<string, unknown>;
const OLD = randomBytes(32);
const NEW = randomBytes(32);
const oldKid = new Keyring(OLD).currentId;
const newKid = new Keyring(NEW).currentId;
const MARKER = `rot${randomBytes(5).toString('hex')}`;

/** Every key id a stored value names, anywhere in the database. */
async function keyIdsInUse(stack: TestStack): Promise<string[]> {
  const found = new Set<string>();
  for (const info of await stack.database.db.listCollections().toArray()) {
    for (const doc of await stack.database.db.collection(info.name).find().toArray()) {
      JSON.stringify(doc, (key, value) => {
        if ((key === 'kid' || key === 'sealed_kid' || key === 'resealing_kid') && typeof value === 'string')
          found.add(value);
        return value;
      });
    }
  }
  return [...found];
}

describe('key rotation', () => {
  let before: TestStack | undefined;
  let after: TestStack | undefined;
  afterAll(async () => {
    await before?.close();
    await after?.close();
  });

  it('re-encrypts everything under the new key in a workflow, reading with the old key throughout, then retires it', async () => {
    // Written under the old key: secrets, message content, an attachment in GridFS (3 chunks).
    before = await startTestStack(
      { SENDFLOW_ENCRYPTION_KEY: OLD.toString('base64'), SENDFLOW_WEBHOOK_ALLOW_PRIVATE: 'true' },
      { keepDatabase: true },
    );
    const author = before;
    expect((await author.request('POST', '/v1/domains', { body: { name: 'acme.test' } })).status).toBe(201);
    const hook = await author.request('POST', '/v1/webhooks', {
      body: { url: 'http://127.0.0.1:9/in', events: ['email.bounced'] },
    });
    expect(hook.status).toBe(201);
    const secret = ((await hook.json()) as Json).secret as string;
    const attachment = Buffer.from(`${MARKER} `.repeat(70_000));
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { messageId, handle } = await author.sendMessage({
        from: 'app@acme.test',
        recipient: `r${i}@example.test`,
        subject: `Rotation ${i} ${MARKER}`,
        html: `<p>${MARKER} ${i}</p>`,
        ...(i === 0
          ? {
              attachments: [
                { filename: 'big.txt', content: attachment.toString('base64'), content_type: 'text/plain' },
              ],
            }
          : {}),
      });
      expect(await handle.result()).toBe('delivered');
      sent.push(messageId);
    }
    const ownerKey = author.apiKey;
    const uri = author.config.MONGODB_URI;
    expect(await keyIdsInUse(author)).toEqual([oldKid]);
    await author.close();
    before = undefined;

    // The new key becomes current, the old one stays readable.
    after = await startTestStack({
      MONGODB_URI: uri,
      SENDFLOW_ENCRYPTION_KEY: NEW.toString('base64'),
      SENDFLOW_ENCRYPTION_OLD_KEYS: OLD.toString('base64'),
    });
    const stack = after;
    const readAll = async () => {
      for (const id of sent) {
        const res = await stack.request('GET', `/v1/messages/${id}`, { key: ownerKey });
        expect(res.status).toBe(200);
        const m = (await res.json()) as Json;
        expect(m.subject).toContain(MARKER);
        expect(m.html).toContain(MARKER);
      }
    };
    await readAll();

    await ensureProject(stack.database.collections, DEFAULT_PROJECT_ID, 'Default project');
    const operator = (
      await createApiKey(stack.database.collections, {
        projectId: DEFAULT_PROJECT_ID,
        name: 'ops',
        scopes: ['admin'],
      })
    ).secret;
    // A tenant cannot start it: the keyring is the whole deployment's.
    expect((await stack.request('POST', '/v1/operations/reencrypt', { body: {} })).status).toBe(403);
    const start = await stack.request('POST', '/v1/operations/reencrypt', {
      key: operator,
      body: { batch_size: 2 },
    });
    expect(start.status).toBe(202);
    const op = (await start.json()) as Json;
    expect(op).toMatchObject({ type: 'reencrypt', status: 'running', workflow_id: op.id });

    // Reads keep working while documents move from one key to the other.
    let state: Json = op;
    for (let i = 0; i < 300 && state.status === 'running'; i++) {
      await readAll();
      state = (await (
        await stack.request('GET', `/v1/operations/${op.id}`, { key: operator })
      ).json()) as Json;
    }
    expect(state).toMatchObject({
      status: 'completed',
      result: {
        current_key: newKid,
        retired_keys: [oldKid],
        remaining: [],
        rewritten: { domains: 1, webhooks: 1, messages: 10, attachments: 1 },
      },
    });
    // Visible in Temporal as a workflow of its own, with its batches in the history.
    const history = await stack.temporal.workflow.getHandle(op.workflow_id as string).fetchHistory();
    expect(history.events?.length).toBeGreaterThan(20);

    // Nothing under the old key remains, and everything still reads: API, webhook secret, files.
    expect(await keyIdsInUse(stack)).toEqual([newKid]);
    await readAll();
    const hookDoc = await stack.database.collections.webhooks.findOne({});
    expect(
      stack.database.collections.sealer.open(hookDoc?.secret as never, [
        'webhooks',
        hookDoc?._id as string,
        'secret',
      ]),
    ).toBe(secret);

    // The old key can go: a process with only the new key starts and reads the large file.
    const newOnly = await connectDatabase(uri, { keyring: new Keyring(NEW) });
    try {
      const message = await newOnly.collections.messages.findOne({ _id: sent[0] });
      const fileId = message?.attachments[0].gridfs_id;
      expect(fileId).toBeDefined();
      expect(
        (await readStoredFile(newOnly.collections.attachmentFiles, fileId as never)).equals(attachment),
      ).toBe(true);
    } finally {
      await newOnly.close();
    }
    // One with only the old key refuses, naming the new one.
    await expect(connectDatabase(uri, { keyring: new Keyring(OLD) })).rejects.toThrow(newKid);

    // Running it again finds nothing to do.
    const again = await stack.request('POST', '/v1/operations/reencrypt', { key: operator, body: {} });
    const second = (await again.json()) as Json;
    let done: Json = second;
    for (let i = 0; i < 100 && done.status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      done = (await (
        await stack.request('GET', `/v1/operations/${second.id}`, { key: operator })
      ).json()) as Json;
    }
    expect(done).toMatchObject({ status: 'completed', result: { retired_keys: [], remaining: [] } });
    expect(Object.values((done.result as Json).rewritten as Json).every((n) => n === 0)).toBe(true);
  });

  it('resumes a file rewrite cut off between chunks, and the file reads whole at every point', async () => {
    const uri = `${sharedServices().mongoBaseUri}/sendflow_test_rot${randomBytes(4).toString('hex')}`;
    const content = randomBytes(900_000);
    const id = new ObjectId();
    const writer = await connectDatabase(uri, { keyring: new Keyring(OLD) });
    const upload = openUpload(writer.collections.attachmentFiles, id, 'big.bin', {});
    upload.stream.end(content);
    await upload.finished;
    await writer.close();

    const db = await connectDatabase(uri, { keyring: new Keyring(NEW, [OLD]) });
    try {
      const store = db.collections.attachmentFiles;
      expect(await store.chunks.countDocuments({ files_id: id })).toBeGreaterThan(2);
      // The worker is lost after the first chunk is rewritten.
      let writes = 0;
      const chunks = Object.create(store.chunks);
      chunks.updateOne = (...args: Parameters<StoredFiles['chunks']['updateOne']>) => {
        if (++writes > 1) throw new Error('worker lost');
        return store.chunks.updateOne(...args);
      };
      await expect(resealStoredFile({ ...store, chunks }, id)).rejects.toThrow('worker lost');
      expect((await store.files.findOne({ _id: id }))?.metadata).toMatchObject({
        sealed_kid: oldKid,
        resealing_kid: newKid,
      });
      expect((await readStoredFile(store, id)).equals(content)).toBe(true);

      // The next attempt finishes it; then the old key is not needed to read it.
      expect(await resealStoredFile(store, id)).toBe(true);
      expect((await store.files.findOne({ _id: id }))?.metadata).toEqual({ sealed_kid: newKid });
      expect(await resealStoredFile(store, id)).toBe(false);
      expect(await finishReencryption(db.collections, {})).toMatchObject({
        retired_keys: [oldKid],
        remaining: [],
      });
      const newOnly = await connectDatabase(uri, { keyring: new Keyring(NEW) });
      try {
        expect((await readStoredFile(newOnly.collections.attachmentFiles, id)).equals(content)).toBe(true);
      } finally {
        await newOnly.close();
      }
    } finally {
      await db.db.dropDatabase();
      await db.close();
    }
  });
});
