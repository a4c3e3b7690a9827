public enum FeedParsePlaceholder {}
