import { mkdtempSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { api, startDino } from '../test/helpers/dino-process.js';
const d = await startDino('start', { DINO_DATA_DIR: mkdtempSync('/tmp/dino-r-'), ...(process.argv[2] ? { DINO_MQTT_URL: process.argv[2] } : {}) });
for (let i = 0; i < 4; i++) {
await new Promise(r => setTimeout(r, 1000));
console.log(JSON.stringify(await api(d.base, 'GET', '/readyz')));
console.log(execSync(`ss -tnp | grep pid=${d.child.pid}, | wc -l`).toString());
}
await d.stop();
