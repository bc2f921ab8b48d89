/**
 * `berth controller`: runs the controller in the foreground until SIGTERM or
 * SIGINT, then drains in-flight reconciles (up to --shutdown-timeout) and exits.
 * Every flag has an environment equivalent; a bad value or an unreachable Redis
 * or cluster stops start-up with a message that says which.
 */
import { Option, type Command } from 'commander';
import { ConfigError, resolveControllerConfig, type RawControllerConfig } from '../config/controller-config.ts';
import { settings, type Setting, type SettingKey } from '../config/settings.ts';
import { createLogger } from '../log.ts';
import { drainOnSignals } from '../queue/shutdown.ts';

/** `--help` text of one setting: what it does, its variable, its default. */
function helpOf(row: Setting): string {
  const fallback = typeof row.default === 'function' ? undefined : row.default;
  return `${row.help} (${row.env}${fallback ? `; default ${fallback}` : ''})`;
}

export function registerControllerCommand(program: Command): void {
  const command = program
    .command('controller')
    .description('run the Berth controller: reconcile Applications from the cluster and/or a file');
  const options = new Map<SettingKey, Option>();
  for (const [key, row] of Object.entries(settings) as [SettingKey, Setting][]) {
    if (row.flag === null) continue; // secrets: environment only, a flag would show in `ps`
    const option = new Option(`--${row.flag} ${row.value}`, helpOf(row));
    options.set(key, option);
    command.addOption(option);
  }
  const secrets = Object.values(settings).filter((row: Setting) => row.flag === null).map((row) => row.env);
  command.addHelpText('after', `\nSet through the environment only: ${secrets.join(', ')}.`);
  command
    .action(async (flags: Record<string, string | undefined>) => {
      const raw: RawControllerConfig = {};
      for (const [key, option] of options) raw[key] = flags[option.attributeName()];
      let config;
      try {
        config = resolveControllerConfig(raw);
      } catch (error) {
        if (error instanceof ConfigError) {
          console.error(`berth controller: ${error.message}`);
          process.exit(2);
        }
        throw error;
      }
      const log = createLogger(config.logLevel);
      // Loaded here, not at the top: the client commands (`berth apps`, ...) share
      // this entry point and should not pay for loading the whole controller.
      const { startController } = await import('../controller/controller.ts');
      let controller;
      try {
        controller = await startController(config, log);
      } catch (error) {
        log.fatal({ err: error instanceof Error ? error.message : String(error) }, 'controller could not start');
        process.exit(1);
      }
      const running = controller;
      drainOnSignals([{
        drain: () => {
          log.info('draining in-flight reconciles');
          return running.stop();
        },
      }], (drained) => {
        log.info({ drained }, 'controller stopped');
        process.exit(drained ? 0 : 1);
      });
    });
}
