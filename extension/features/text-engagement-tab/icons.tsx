/** Small line icons (24-unit grid, drawn with the current text colour); decorative only. */
import type { ComponentChildren } from 'preact';
import { LineIcon } from '../../ui/line-icon';

const Svg = ({ children, size = 18 }: { children: ComponentChildren; size?: number }) => (
  <LineIcon class="te-conv-icon" size={size}>
    {children}
  </LineIcon>
);

export const TemplateIcon = () => (
  <Svg>
    <path d="M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8z" />
    <path d="M14 3v5h5M9 13h6M9 17h4" />
  </Svg>
);

export const AriIcon = () => (
  <Svg>
    <path d="M12 3l1.9 4.6L18.5 9.5l-4.6 1.9L12 16l-1.9-4.6L5.5 9.5l4.6-1.9z" />
    <path d="M19 15l.8 2.2L22 18l-2.2.8L19 21l-.8-2.2L16 18l2.2-.8z" />
  </Svg>
);

export const CalendarIcon = () => (
  <Svg>
    <rect x="3" y="5" width="18" height="16" rx="2" />
    <path d="M16 3v4M8 3v4M3 10h18M8 14h3" />
  </Svg>
);

export const SendIcon = () => (
  <Svg size={16}>
    <path d="M22 2L11 13M22 2l-7 20-4-9-9-4z" />
  </Svg>
);

export const InfoIcon = () => (
  <Svg size={20}>
    <circle cx="12" cy="12" r="9" />
    <path d="M12 11v5M12 8h.01" />
  </Svg>
);

export const BlockIcon = () => (
  <Svg size={20}>
    <circle cx="12" cy="12" r="9" />
    <path d="M5.6 5.6l12.8 12.8" />
  </Svg>
);

export const ClockIcon = () => (
  <Svg size={20}>
    <circle cx="12" cy="12" r="9" />
    <path d="M12 7v5l3 2" />
  </Svg>
);

export const CloudOffIcon = () => (
  <Svg size={20}>
    <path d="M2 2l20 20M8.5 6.3A6 6 0 0 1 17.7 10H18a4 4 0 0 1 2.4 7.2M16 18H7a5 5 0 0 1-1.8-9.7" />
  </Svg>
);

export const KeyIcon = () => (
  <Svg size={20}>
    <circle cx="8" cy="15" r="4" />
    <path d="M11 12l9-9M17 6l3 3M15 8l2 2" />
  </Svg>
);

export const ChatIcon = () => (
  <Svg size={22}>
    <path d="M21 12a8 8 0 0 1-11.8 7L3 21l2-6.2A8 8 0 1 1 21 12z" />
  </Svg>
);

export const AlertIcon = () => (
  <Svg size={14}>
    <path d="M12 9v4M12 17h.01" />
    <path d="M10.3 3.9L1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z" />
  </Svg>
);

export const PersonAddIcon = () => (
  <Svg size={20}>
    <circle cx="10" cy="8" r="4" />
    <path d="M3 20a7 7 0 0 1 12.5-4.3M19 14v6M16 17h6" />
  </Svg>
);
