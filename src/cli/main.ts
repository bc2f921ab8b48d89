/**
 * The `berth` command. Each subcommand lives in its own module under src/cli/ and
 * is registered here; `berth <command> --help` describes each.
 */
import { Command } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { registerAppCommands } from './app-commands.ts';
import { registerClusterCommands } from './cluster-commands.ts';
import { registerControllerCommand } from './controller.ts';
import { registerImportCommand } from './import.ts';
import { registerNotificationCommands } from './notification-commands.ts';
import { registerOperationCommands } from './operation-commands.ts';
import { registerRenderCommand } from './render.ts';

const program = new Command('berth')
  .description('GitOps continuous deployment for Kubernetes')
  .version(packageJson.version, '-v, --version')
  .showHelpAfterError();

program
  .command('version')
  .description('print the version of Berth and of the Node runtime')
  .action(() => {
    console.log(`berth ${packageJson.version} (node ${process.versions.node})`);
  });

registerRenderCommand(program);
registerControllerCommand(program);
registerAppCommands(program);
registerOperationCommands(program);
registerImportCommand(program);
registerNotificationCommands(program);
registerClusterCommands(program);

await program.parseAsync();
