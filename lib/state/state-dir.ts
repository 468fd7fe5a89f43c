/**
 * Where the file store lives when `--state-dir` is not given (the caller
 * applies the flag and the config's `stateDir`).
 */
import path from 'node:path';

/** $MCPO_STATE_DIR, else $XDG_STATE_HOME/mcpo, else ~/.local/state/mcpo (Linux/macOS), %LOCALAPPDATA%\mcpo\state on Windows. */
export function defaultStateDir(env: NodeJS.ProcessEnv, home: string, platform: NodeJS.Platform): string {
  const paths = platform === 'win32' ? path.win32 : path.posix;
  if (env.MCPO_STATE_DIR) return env.MCPO_STATE_DIR;
  // The XDG spec says a relative XDG_STATE_HOME is invalid and to be ignored.
  if (env.XDG_STATE_HOME && paths.isAbsolute(env.XDG_STATE_HOME)) return paths.join(env.XDG_STATE_HOME, 'mcpo');
  if (platform === 'win32') return paths.join(env.LOCALAPPDATA || paths.join(home, 'AppData', 'Local'), 'mcpo', 'state');
  return paths.join(home, '.local', 'state', 'mcpo');
}
