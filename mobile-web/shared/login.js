// The login page (/): POST /api/v1/session sets the session cookie, then the person goes
// to their app (engineers and leads: /m/, everyone else: /dispatch/).
import { api, ApiError, homeOf } from './api.js';
import { explain } from './words.js';

const form = document.getElementById('login');
const err = document.getElementById('login-error');

// Back to the page that sent here (only a page of the person's own app: never another site)
function afterLogin(user) {
  const home = homeOf(user);
  const next = new URLSearchParams(location.search).get('next') || '';
  return next.startsWith(home) ? next : home;
}

function show(msg) {
  err.textContent = msg;
  err.classList.toggle('hidden', !msg);
}

form.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.isComposing || e.keyCode === 229)) e.preventDefault();
});
form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const login = form.login.value.trim();
  const password = form.password.value;
  if (!login || !password) return show('아이디와 비밀번호를 모두 입력하세요.');
  show('');
  try {
    const s = await api('POST', '/session', { login, password });
    try { localStorage.setItem('fieldd.login', login); } catch { /* private mode */ }
    location.replace(afterLogin(s.user));
  } catch (x) {
    show(x instanceof ApiError ? explain(x.problem) : '연결할 수 없습니다. 신호를 확인하세요.');
  }
});

// Already signed in (the cookie is still good): straight to the app.
api('GET', '/me').then((u) => u && location.replace(afterLogin(u)), () => {});
