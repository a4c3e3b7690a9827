public enum FeedDaemonPlaceholder {}
