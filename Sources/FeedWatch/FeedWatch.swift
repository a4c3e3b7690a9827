public enum FeedWatchPlaceholder {}
