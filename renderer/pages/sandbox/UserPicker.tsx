import { useRequest } from '../../api/context.tsx';
import { formatNumber } from '../../components/format.ts';
import { useDebounced } from '../../state/useDebounced.ts';

const LIST_LIMIT = 50;
const QUICK_PICKS = 5;

/**
 * A user id field that suggests the run's users (most active first, filtered by what is typed) in
 * its datalist, with the top few as one-click picks. Typing any id stays possible: unknown users get
 * cold-start recommendations.
 */
export function UserPicker({
  runId,
  value,
  onChange,
  onPick,
}: {
  runId: string;
  value: string;
  onChange: (user: string) => void;
  onPick: (user: string) => void;
}) {
  const query = useDebounced(value.trim(), 200);
  const users = useRequest('data.users', { run: runId, query, limit: LIST_LIMIT });
  const example = useRequest('data.users', { run: runId, query: '', limit: 1 }).data?.[0]?.user;
  // A failed list only loses the suggestions; recommending still works, so no error banner here.
  const list = users.data ?? [];
  const exact = list.length === 1 && list[0]!.user === value.trim();
  return (
    <div className="stack" style={{ gap: 4 }}>
      <label className="field">
        User id
        <input
          value={value}
          onChange={(e) => onChange(e.target.value)}
          data-testid="sandbox-user"
          placeholder={example ? `e.g. ${example}` : 'user id'}
          list="sandbox-user-list"
          autoComplete="off"
        />
      </label>
      <datalist id="sandbox-user-list" data-testid="sandbox-user-list">
        {list.map((u) => (
          <option key={u.user} value={u.user}>
            {formatNumber(u.events)} events
          </option>
        ))}
      </datalist>
      {list.length > 0 && !exact && (
        <div className="row small" data-testid="user-quick-picks">
          <span className="muted">{query ? 'Matching:' : 'Most active:'}</span>
          {list.slice(0, QUICK_PICKS).map((u) => (
            <button key={u.user} type="button" className="link" title={`${u.events} events`} onClick={() => onPick(u.user)}>
              {u.user} <span className="muted">({formatNumber(u.events)})</span>
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
