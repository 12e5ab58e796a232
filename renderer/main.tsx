import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { connectApi } from './api/connect.ts';
import './styles.css';

const root = createRoot(document.getElementById('root') as HTMLElement);
const api = connectApi();
root.render(
  <StrictMode>
    {api ? (
      <App api={api} />
    ) : (
      <main className="main">
        <h2>Trainyard cannot reach its engine</h2>
        <p>Open the address that `trainyard serve` printed, including its token=… part, or start the desktop app.</p>
      </main>
    )}
  </StrictMode>,
);
