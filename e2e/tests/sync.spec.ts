import { expect, test } from '../support/fixtures.js';

const COLLECTION = 'demo-docs';

test('writes made offline are queued and reach the server after reconnecting', async ({ demo, server, context, shot }) => {
  await expect(demo.syncState).toHaveText('synced');
  // The reload in step 3 happens offline: the page must be in the offline cache first.
  await expect(demo.offlineCopy).toHaveText(/^ready/);

  // 1. The browser goes offline: the page still searches and writes, sync says it is offline.
  await context.setOffline(true);
  await expect(demo.syncState).toHaveText('offline');
  const id = await demo.saveDocument({
    title: 'Lighthouse keepers log the storm',
    text: 'The lighthouse keepers wrote in the log every hour while the storm broke over the harbour.',
    category: 'history',
    year: 1890,
  });
  const shipped = (await demo.search('ancient kings'))[0]!;
  await demo.edit(shipped.title);
  await demo.saveDocument({ title: 'Edited offline: ancient kings and their courts' });
  await expect(demo.syncPending).toHaveText('2');
  await expect(demo.localCount).toHaveText('3001 points');
  await shot(demo.page, 'offline-writes-queued');

  // 2. The server has neither change yet.
  expect(await server.retrieve(COLLECTION, [id])).toEqual([]);
  expect((await server.retrieve(COLLECTION, [shipped.id]))[0]!.payload['title']).toBe(shipped.title);

  // 3. The queue is durable: a reload while still offline (the page comes from the offline cache) keeps both writes.
  await demo.reload();
  await expect(demo.syncState).toHaveText('offline');
  await expect(demo.syncPending).toHaveText('2');
  await expect(demo.localCount).toHaveText('3001 points');

  // 4. Back online: the queue is pushed, and the server (read through its Qdrant REST API) has both writes.
  await context.setOffline(false);
  await expect(demo.syncPending).toHaveText('0');
  await expect(demo.syncState).toHaveText('synced');
  const [added] = await server.retrieve(COLLECTION, [id]);
  expect(added?.payload).toMatchObject({ title: 'Lighthouse keepers log the storm', category: 'history', year: 1890, source: 'user' });
  const [edited] = await server.retrieve(COLLECTION, [shipped.id]);
  expect(edited?.payload['title']).toBe('Edited offline: ancient kings and their courts');
  expect((await server.syncStatus(COLLECTION)).points).toBe(3001);
  await expect(demo.serverCount).toHaveText('3001 points');
  await shot(demo.page, 'pushed-after-reconnect');
});

test('a change made on the server reaches every open tab live', async ({ demo, openTab, server, shot }) => {
  const second = await openTab();
  for (const tab of [demo, second]) {
    await tab.setFilters({ onlyMine: true });
    expect(await tab.search('orchard apples harvest')).toEqual([]);
  }

  // 1. Another client writes to the server through Qdrant's REST API, reusing a shipped document's vector.
  const [template] = await server.rest<Array<{ vector: number[] }>>('POST', `/collections/${COLLECTION}/points`, {
    ids: [7],
    with_vector: true,
  });
  await server.rest('PUT', `/collections/${COLLECTION}/points?wait=true`, {
    points: [
      {
        id: 'aaaaaaaa-0000-4000-8000-000000000001',
        vector: template!.vector,
        payload: { title: 'Orchard apples: the harvest report', text: 'Written on the server.', category: 'gardening', year: 2025, author: 'server', source: 'user' },
      },
    ],
  });

  // 2. Both tabs show it without a reload: the replica pulled it, and the database told each tab.
  for (const tab of [demo, second]) {
    await expect(tab.rows.locator('h3')).toHaveText(['Orchard apples: the harvest report']);
    await expect(tab.localCount).toHaveText('3001 points');
  }
  await shot(second.page, 'server-write-in-second-tab');

  // 3. A delete on the server disappears from both tabs too.
  await server.rest('POST', `/collections/${COLLECTION}/points/delete?wait=true`, { points: ['aaaaaaaa-0000-4000-8000-000000000001'] });
  for (const tab of [demo, second]) {
    await expect(tab.rows).toHaveCount(0);
    await expect(tab.localCount).toHaveText('3000 points');
  }
});

test('a server restart in the middle of live sync: the page rides it out and catches up both ways', async ({ demo, server, shot }) => {
  await expect(demo.syncState).toHaveText('synced');
  const before = await server.syncStatus(COLLECTION);

  // 1. The server goes away while the replica waits on its long poll.
  await server.stop();
  await expect(demo.syncState).toHaveText('offline', { timeout: 30_000 });
  await expect(demo.serverStatus).toHaveText('unreachable');

  // 2. The page keeps accepting writes; they wait in the queue.
  const id = await demo.saveDocument({ title: 'Written while the server was down', text: 'The river flooded the valley after the storm.', category: 'travel' });
  await expect(demo.syncPending).toHaveText('1');
  await shot(demo.page, 'server-down');

  // 3. The server restarts over the same storage; another client writes to it before the page is back.
  await server.start();
  expect((await server.syncStatus(COLLECTION)).points).toBe(before.points);
  const [template] = await server.rest<Array<{ vector: number[] }>>('POST', `/collections/${COLLECTION}/points`, { ids: [9], with_vector: true });
  await server.rest('PUT', `/collections/${COLLECTION}/points?wait=true`, {
    points: [{ id: 424242, vector: template!.vector, payload: { title: 'Written after the restart', text: 'x', category: 'travel', year: 2025, author: 'server', source: 'user' } }],
  });

  // 4. The replica reconnects on its own (retry with backoff): pushes its write, pulls the server's.
  await expect(demo.syncPending).toHaveText('0', { timeout: 45_000 });
  await expect(demo.syncState).toHaveText('synced');
  expect((await server.retrieve(COLLECTION, [id]))[0]?.payload['title']).toBe('Written while the server was down');
  await demo.setFilters({ onlyMine: true });
  await demo.search('');
  await expect(demo.rows.locator('h3')).toHaveText(['Written after the restart', 'Written while the server was down'], { ignoreCase: false, useInnerText: true });
  await expect(demo.localCount).toHaveText('3002 points');
  await expect(demo.serverCount).toHaveText('3002 points');
  await shot(demo.page, 'caught-up-after-restart');
});
