public enum FeedConfigPlaceholder {}
