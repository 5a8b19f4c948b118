// Rule checks as words: what each rule asks, in a CSM's words, with the rule id small beside
// it (docs/rules.md has the full rules). The server's `detail` says what it found.
import type { Explanation } from './api.js';
import { readableTimes } from './time-words.js';
import { TableWrap } from './ui.js';

const RULE_WORDS: Record<string, string> = {
  E1: 'Seen by an authorized inbox',
  E2: 'Sent after the inbox was authorized',
  E3: 'A participant is an end user',
  E4: 'Not blocklisted',
  E5: 'Linked to the accounts',
  E6: 'Not internal-only',
  E7: 'Synced on time',
  M1: 'Seen in an authorized calendar',
  M2: 'After the calendar was authorized',
  M3: 'Has started',
  M4: 'Organized by the calendar owner',
  M5: 'An end user accepted',
  M6: 'Not blocklisted',
};

type Check = Explanation['checks'][number];

/** The rule's name with its id small: <span>Not blocklisted <small>E4</small></span>. */
export function RuleName({ rule }: { rule: string }) {
  const words = RULE_WORDS[rule];
  return words ? (
    <>
      {words} <small className="rule-id">{rule}</small>
    </>
  ) : (
    rule
  );
}

/** What the check found, in words: the server's detail (its ISO times as the viewer reads them), else its code. */
export const checkFinding = (c: Check): string => (c.detail ? readableTimes(c.detail) : c.code);

const STATUS = { pass: ['Passed', 'pass'], fail: ['Failed', 'fail'], 'n/a': ['Not applicable', 'na'] } as const;

export function ChecksTable({ checks }: { checks: Check[] }) {
  return (
    <TableWrap>
      <table aria-label="Checks">
        <thead>
          <tr>
            <th scope="col">Check</th>
            <th scope="col">Result</th>
            <th scope="col">What was found</th>
          </tr>
        </thead>
        <tbody>
          {checks.map((c, i) => {
            const [word, cls] = STATUS[c.status];
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: a read-only list replaced whole on each response; its items have no id and never move
              <tr key={i} data-status={c.status}>
                <td>
                  <RuleName rule={c.rule} />
                </td>
                <td className={`${cls} nowrap`}>{word}</td>
                <td>{checkFinding(c)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableWrap>
  );
}
