// Preloaded into a gochat process by bench:history's floor mode (NODE_OPTIONS=--import, where Node 20
// refuses --cpu-prof): samples the process with the V8 profiler and writes the profile at exit to
// $CPU_PROF_DIR/<pid>.cpuprofile, for Chrome DevTools or speedscope.
import fs from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';
import process from 'node:process';

// eslint-disable-next-line no-process-env -- set by the benchmark for this process alone
const dir = process.env.CPU_PROF_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 200 });
  session.post('Profiler.start');
  process.on('exit', () => {
    // An in-process session answers synchronously, so the profile is written before the exit.
    session.post('Profiler.stop', (error, result) => {
      if (error) return;
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
