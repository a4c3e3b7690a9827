public enum FeedDiffPlaceholder {}
