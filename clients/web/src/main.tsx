import { GoChat, GoChatProvider } from '@gochat/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';

import { App } from './App.tsx';
import './styles.css';

const gochat = new GoChat({ httpUrl: `${location.origin}/graphql`, storage: window.localStorage });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <GoChatProvider gochat={gochat}>
      <BrowserRouter>
        <App />
      </BrowserRouter>
    </GoChatProvider>
  </StrictMode>,
);
