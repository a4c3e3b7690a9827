public enum SystemdNotifyPlaceholder {}
