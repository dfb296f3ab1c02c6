/** One step of the PostgreSQL schema. Versions start at 1 and increase by 1 without gaps. */
export interface Migration {
  version: number;
  /** Short snake_case description, stored beside the version in `schema_migrations`. */
  name: string;
  /** Statements that the runner executes in the migration transaction. */
  sql: string;
}
