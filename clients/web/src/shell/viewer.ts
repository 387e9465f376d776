import type { ViewerFieldsFragment } from '@gochat/react';
import { createContext, useContext } from 'react';

/** The signed-in user as the shell read it (name, avatar), for the screens under it. */
export const ViewerContext = createContext<ViewerFieldsFragment | null>(null);

export const useViewer = () => useContext(ViewerContext);
