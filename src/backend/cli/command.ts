/** One sub-command of `layerwise`: what `layerwise --help` lists and what runs it. */
export interface Command {
  /** One line for `layerwise --help`. */
  summary: string;
  /** Shown by `layerwise COMMAND --help` and after usage errors. */
  usage: string;
  /** Resolves when the command is done; throws UserError for the user's mistakes. */
  run(args: string[]): Promise<void>;
}
